import CLDAP
import ConnectorKit

/// An entry of a paged import, mapped on the connection's queue straight from the BER as it arrives: everything
/// but its references, which wait for the index once the whole page is in.
struct MappedEntry: Sendable {
    var dn: String
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
        /// Each name's bytes, beside its description (so that reading a description copies no byte array).
        var names: [[UInt8]] = []
        var descriptions: [AttributeDescription] = []
        /// Every attribute seen on the page, with no values: an entry's attributes start as a copy, and values go
        /// in by position (`slots`), without hashing the names again for every entry.
        var template: Attributes = [:]
        /// Each description's position in `template`; `nil` for attributes that are not kept as values.
        var slots: [Dictionary<String, [AttributeValue]>.Index?] = []
        /// Changes whenever `template` does (its positions with it).
        var version = 0
    }

    /// Maps an entry message as libldap holds it. Text values are decoded once, straight from the BER (short ones
    /// need no allocation at all).
    func map(_ message: OpaquePointer, on connection: LDAPConnection, memo: inout PageMemo) throws(ConnectorError)
        -> MappedEntry
    {
        var attributes = memo.template
        let version = memo.version
        // Positions hold while the entry's dictionary has the template's layout: until a name new to the page.
        var bySlot = true
        var references: [(name: String, dns: [String])] = []
        var anchor: Anchor?
        var objectType: ObjectType?
        var modifyTimestamp: String?
        var position = 0
        let dn = try connection.readEntry(message) { name, values in
            let index = describe(name, at: position, memo: &memo)
            position += 1
            let description = memo.descriptions[index]
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
            if bySlot, memo.version == version, let slot = memo.slots[index] {
                attributes.values[slot] = converted
            } else {
                bySlot = false
                attributes[description.name] = converted
            }
        }
        return MappedEntry(
            dn: dn, anchor: anchor, objectType: objectType,
            attributes: attributes, references: references, modifyTimestamp: modifyTimestamp)
    }

    /// The index in `memo` of the attribute called `name`, the `position`-th of its entry. Entries of a page
    /// list their attributes in the same order, so the memo's entry at `position` is tried first.
    private func describe(_ name: berval, at position: Int, memo: inout PageMemo) -> Int {
        let count = Int(name.bv_len)
        func matches(_ index: Int) -> Bool {
            memo.names[index].withUnsafeBytes { known in
                known.count == count && memcmp(known.baseAddress!, name.bv_val, count) == 0
            }
        }
        if position < memo.descriptions.count, matches(position) { return position }
        if let index = memo.descriptions.indices.first(where: matches) { return index }
        let text = LDAPConnection.string(name)
        let (kind, hidden) = (kind(of: text), isHidden(text))
        let description = AttributeDescription(
            name: text, kind: kind, hidden: hidden,
            isObjectClass: text.caseInsensitiveEquals("objectClass"),
            isAnchor: text.caseInsensitiveEquals(settings.anchorAttribute),
            isModifyTimestamp: text.caseInsensitiveEquals("modifyTimestamp"))
        memo.names.append(Array(text.utf8))
        memo.descriptions.append(description)
        if !hidden && kind != .reference {
            memo.template[text] = []
            memo.version += 1
        }
        memo.slots = memo.descriptions.map { memo.template.index(forKey: $0.name) }
        return memo.descriptions.count - 1
    }
}
