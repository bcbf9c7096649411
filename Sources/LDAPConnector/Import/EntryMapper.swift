import ConnectorKit
import Synchronization

/// Turns entries as the server sends them into connector objects: the anchor, the object type from the object
/// classes, values typed by their schema syntax, and reference DNs as the anchors of the entries they name.
struct EntryMapper: Sendable {
    let settings: LDAPSettings
    let schema: DirectorySchema
    /// Attributes requested only for the connector's own use, left out of objects.
    let hidden: Set<String>

    init(settings: LDAPSettings, schema: DirectorySchema) {
        self.settings = settings
        self.schema = schema
        var hidden: Set<String> = [settings.anchorAttribute.lowercased()]
        if !settings.attributes.contains(where: { $0.caseInsensitiveEquals("modifyTimestamp") }) {
            hidden.insert("modifytimestamp")
        }
        self.hidden = hidden
    }

    /// Kinds and visibility by attribute name as the server spells it: an import asks for the same few names once
    /// per entry, and the schema lookup lower-cases strings.
    private let cache = AttributeCache()

    func kind(of attribute: String) -> AttributeKind {
        cache.entry(attribute) { Self.describe($0, self) }.kind
    }

    func isHidden(_ attribute: String) -> Bool {
        cache.entry(attribute) { Self.describe($0, self) }.hidden
    }

    private static func describe(_ name: String, _ mapper: EntryMapper) -> (kind: AttributeKind, hidden: Bool) {
        (
            mapper.schema.kind(
                of: name, references: mapper.settings.references, binary: mapper.settings.binaryAttributes),
            mapper.hidden.contains(name.lowercased())
        )
    }

    /// The anchor of an entry: its anchor attribute's value, as text, or as hex when the attribute is binary
    /// (Active Directory's `objectGUID`).
    func anchor(of entry: RawEntry) -> Anchor? {
        guard let value = entry.values(settings.anchorAttribute)?.first, !value.isEmpty else { return nil }
        return Self.anchor(value, binary: kind(of: settings.anchorAttribute) == .binary)
    }

    static func anchor(_ value: [UInt8], binary: Bool) -> Anchor {
        if binary { return Anchor(AttributeValue.binary(value).text) }
        return Anchor(String(decoding: value, as: UTF8.self))
    }

    /// The object for `entry`, or `nil` if it is out of scope (no configured object class, no anchor).
    /// References whose DN `resolve` does not know are left out and listed in `unresolved`.
    func object(_ entry: RawEntry, resolve: (String) -> Anchor?) -> (object: ConnectorObject, unresolved: [String])? {
        let classes = (entry.values("objectClass") ?? []).map { String(decoding: $0, as: UTF8.self) }
        guard let type = settings.objectType(ofClasses: classes), let anchor = anchor(of: entry) else { return nil }
        var attributes: Attributes = [:]
        var unresolved: [String] = []
        for (name, raw) in entry.attributes where !raw.isEmpty && !isHidden(name) {
            let kind = kind(of: name)
            var values: [AttributeValue] = []
            values.reserveCapacity(raw.count)
            for bytes in raw {
                if kind == .reference {
                    let dn = String(decoding: bytes, as: UTF8.self)
                    if let target = resolve(DistinguishedName.normalized(dn)) {
                        values.append(.reference(target))
                    } else {
                        unresolved.append(dn)
                    }
                } else {
                    values.append(Self.value(bytes, kind: kind))
                }
            }
            if !values.isEmpty { attributes[name] = values }
        }
        return (
            ConnectorObject(anchor: anchor, objectType: type, distinguishedName: entry.dn, attributes: attributes),
            unresolved
        )
    }

    /// A value of `kind`; text that does not parse as its syntax says stays a string rather than being lost.
    static func value(_ bytes: [UInt8], kind: AttributeKind) -> AttributeValue {
        switch kind {
        case .binary: return .binary(bytes)
        case .integer:
            let text = String(decoding: bytes, as: UTF8.self)
            return Int64(text).map(AttributeValue.integer) ?? .string(text)
        case .boolean:
            switch String(decoding: bytes, as: UTF8.self) {
            case "TRUE": return .boolean(true)
            case "FALSE": return .boolean(false)
            case let text: return .string(text)
            }
        case .date:
            let text = String(decoding: bytes, as: UTF8.self)
            return GeneralizedTime.parse(text).map { AttributeValue.date(microsecondsSince1970: $0) } ?? .string(text)
        case .string, .reference:
            return .string(String(decoding: bytes, as: UTF8.self))
        }
    }
}

/// The mapper's per-name cache, behind a lock because the mapper is `Sendable`.
final class AttributeCache: Sendable {
    private let entries = Mutex<[String: (kind: AttributeKind, hidden: Bool)]>([:])

    func entry(_ name: String, _ describe: (String) -> (kind: AttributeKind, hidden: Bool)) -> (
        kind: AttributeKind, hidden: Bool
    ) {
        if let found = entries.withLock({ $0[name] }) { return found }
        let described = describe(name)
        entries.withLock { $0[name] = described }
        return described
    }
}
