import CLDAP
import ConnectorKit

/// An entry of a paged import, mapped on the connection's queue straight from the BER as it arrives: everything
/// but its references, which wait for the index once the whole page is in.
struct MappedEntry: Sendable {
    var dn: String
    /// The DN normalized, the index's key.
    var key: String
    var anchor: Anchor?
    var objectType: ObjectType?
    var attributes: Attributes
    /// The DNs of each reference attribute.
    var references: [(name: String, dns: [String])]
    var modifyTimestamp: String?

    /// The connector object, its references resolved by `resolve` (a normalized DN to an anchor); `nil` when out of
    /// scope. References `resolve` does not know are left out and listed in `unresolved`.
    func object(resolve: (String) -> Anchor?) -> (object: ConnectorObject, unresolved: [String])? {
        guard let anchor, let objectType else { return nil }
        var attributes = self.attributes
        var unresolved: [String] = []
        for (name, dns) in references {
            var values: [AttributeValue] = []
            values.reserveCapacity(dns.count)
            for dn in dns {
                if let target = resolve(DistinguishedName.normalized(dn)) {
                    values.append(.reference(target))
                } else {
                    unresolved.append(dn)
                }
            }
            if !values.isEmpty { attributes[name] = values }
        }
        return (
            ConnectorObject(anchor: anchor, objectType: objectType, distinguishedName: dn, attributes: attributes),
            unresolved
        )
    }
}

/// What the mapper knows of one attribute name as the server spells it, looked up once per page.
struct AttributeDescription {
    var bytes: [UInt8]
    var name: String
    var kind: AttributeKind
    var hidden: Bool
    var isObjectClass: Bool
    var isAnchor: Bool
    var isModifyTimestamp: Bool
}

extension EntryMapper {
    /// A page's memo of attribute descriptions: a handful of names, compared as bytes without making strings.
    struct PageMemo {
        var descriptions: [AttributeDescription] = []
    }

    /// Maps an entry message as libldap holds it. Text values are decoded once, straight from the BER (short ones
    /// need no allocation at all); the DN is normalized here, off the consumer's path.
    func map(_ message: OpaquePointer, on connection: LDAPConnection, memo: inout PageMemo) throws(ConnectorError)
        -> MappedEntry
    {
        var attributes: Attributes = [:]
        var references: [(name: String, dns: [String])] = []
        var anchor: Anchor?
        var objectType: ObjectType?
        var modifyTimestamp: String?
        let dn = try connection.readEntry(message) { name, values in
            let description = describe(name, memo: &memo)
            if description.isAnchor, let first = values.first, first.bv_len > 0 {
                anchor = Self.anchor(LDAPConnection.bytes(first), binary: description.kind == .binary)
            }
            if description.isModifyTimestamp, let first = values.first {
                modifyTimestamp = LDAPConnection.string(first)
            }
            if description.isObjectClass {
                objectType = settings.objectType(ofClasses: values.map(LDAPConnection.string))
            }
            guard !description.hidden, !values.isEmpty else { return }
            if description.kind == .reference {
                references.append((description.name, values.map(LDAPConnection.string)))
                return
            }
            var converted: [AttributeValue] = []
            converted.reserveCapacity(values.count)
            for value in values {
                switch description.kind {
                case .string: converted.append(.string(LDAPConnection.string(value)))
                default: converted.append(Self.value(LDAPConnection.bytes(value), kind: description.kind))
                }
            }
            attributes[description.name] = converted
        }
        return MappedEntry(
            dn: dn, key: DistinguishedName.normalized(dn), anchor: anchor, objectType: objectType,
            attributes: attributes, references: references, modifyTimestamp: modifyTimestamp)
    }

    private func describe(_ name: berval, memo: inout PageMemo) -> AttributeDescription {
        let count = Int(name.bv_len)
        for description in memo.descriptions where description.bytes.count == count {
            let same = description.bytes.withUnsafeBytes { known in
                memcmp(known.baseAddress!, name.bv_val, count) == 0
            }
            if same { return description }
        }
        let text = LDAPConnection.string(name)
        let (kind, hidden) = (kind(of: text), isHidden(text))
        let description = AttributeDescription(
            bytes: Array(text.utf8), name: text, kind: kind, hidden: hidden,
            isObjectClass: text.caseInsensitiveEquals("objectClass"),
            isAnchor: text.caseInsensitiveEquals(settings.anchorAttribute),
            isModifyTimestamp: text.caseInsensitiveEquals("modifyTimestamp"))
        memo.descriptions.append(description)
        return description
    }
}
