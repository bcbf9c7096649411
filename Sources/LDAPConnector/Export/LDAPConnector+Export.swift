import CLDAP
import ConnectorKit

extension LDAPConnector {
    /// Applies one change; returns the object's anchor. Throws the per-object or run-stopping error.
    func apply(_ change: ObjectChange, schema: DirectorySchema) async throws -> Anchor {
        let encoder = ValueEncoder(connector: self, schema: schema)
        switch change {
        case .add(let object):
            return try await add(object, encoder: encoder)
        case .update(let anchor, _, let changes):
            var modifications: [Modification] = []
            for change in changes {
                let operation: Modification.Operation
                let values: [AttributeValue]
                switch change {
                case .add(_, let added): (operation, values) = (.add, added)
                case .remove(_, let removed): (operation, values) = (.delete, removed)
                case .replace(_, let replacing): (operation, values) = (.replace, replacing)
                }
                let encoded = try await encoder.encode(values, of: change.attribute)
                modifications.append(Modification(operation: operation, attribute: change.attribute, values: encoded))
            }
            let list = modifications
            try await write(anchor, "modify") { connection, dn in
                connection.modify(dn: dn, modifications: list)
            }
            return anchor
        case .delete(let anchor, _):
            try await write(anchor, "delete") { connection, dn in connection.delete(dn: dn) }
            index.forget(anchor: anchor)
            return anchor
        case .rename(let anchor, _, let newDN):
            let (rdn, parent) = DistinguishedName.split(newDN)
            let newParent = parent
            try await write(anchor, "rename to \(newDN)") { connection, dn in
                let oldParent = DistinguishedName.split(dn).parent
                let moves = DistinguishedName.normalized(oldParent) != DistinguishedName.normalized(newParent)
                return connection.rename(dn: dn, newRDN: rdn, newParent: moves ? newParent : nil)
            }
            index.record(anchor: anchor, dn: newDN)
            return anchor
        }
    }

    private func add(_ object: ConnectorObject, encoder: ValueEncoder) async throws -> Anchor {
        guard let dn = object.distinguishedName, !dn.isEmpty else {
            throw ConnectorError(
                .schema, "an add needs a distinguished name; the object has none", anchor: object.anchor)
        }
        var attributes: [Modification] = []
        var hasObjectClass = false
        for name in object.attributes.keys.sorted() {
            if name.caseInsensitiveEquals("objectClass") { hasObjectClass = true }
            let values = try await encoder.encode(object.attributes[name]!, of: name)
            attributes.append(Modification(operation: .add, attribute: name, values: values))
        }
        if !hasObjectClass {
            guard let objectClass = settings.objectClass(of: object.objectType) else {
                throw ConnectorError(
                    .schema, "object type '\(object.objectType)' is not in connectors.\(settings.name).objectTypes",
                    anchor: object.anchor)
            }
            attributes.append(
                Modification(operation: .add, attribute: "objectClass", values: [Array(objectClass.utf8)]))
        }
        // An anchor the directory does not assign itself (employeeNumber) is written with the entry.
        let anchorType = encoder.schema.attributeType(settings.anchorAttribute)
        if !object.anchor.rawValue.isEmpty, anchorType?.isUserModifiable ?? false,
            !object.attributes.keys.contains(where: { $0.caseInsensitiveEquals(settings.anchorAttribute) })
        {
            attributes.append(
                Modification(
                    operation: .add, attribute: settings.anchorAttribute, values: [Array(object.anchor.rawValue.utf8)]))
        }
        let anchorAttribute = settings.anchorAttribute
        let entryAttributes = attributes
        let binaryAnchor = encoder.kind(of: anchorAttribute) == .binary
        let anchor: Anchor = try await client.perform("add of \(dn)") {
            (connection: LDAPConnection) throws -> Anchor in
            let rc = connection.add(dn: dn, attributes: entryAttributes)
            guard rc == LDAP_SUCCESS else { throw connection.failure(rc, "add of \(dn)") }
            let entries = try connection.searchAll(
                base: dn, scope: tandem_ldap_scope_base, filter: "(objectClass=*)", attributes: [anchorAttribute])
            guard let value = entries.first?.values(anchorAttribute)?.first else {
                throw ConnectorError(
                    .protocolViolation, "\(settings.url): the new entry \(dn) has no \(anchorAttribute) to anchor it")
            }
            return EntryMapper.anchor(value, binary: binaryAnchor)
        }
        index.record(anchor: anchor, dn: dn)
        return anchor
    }

    /// Runs a write against the entry of `anchor`. When the cached DN is stale (the entry moved), looks the DN up
    /// again and retries once.
    private func write(
        _ anchor: Anchor, _ operation: String, _ body: @escaping @Sendable (LDAPConnection, String) -> Int32
    ) async throws {
        var dn = try await lookUpDN(anchor: anchor)
        for attempt in 0..<2 {
            let target = dn
            let rc = try await client.perform("\(operation) of \(target)") {
                (connection: LDAPConnection) throws -> Int32 in
                let rc = body(connection, target)
                if LDAPResultCode.connectorCode(rc) == .transient {
                    throw connection.failure(rc, "\(operation) of \(target)")
                }
                return rc
            }
            if rc == LDAP_SUCCESS { return }
            if rc == LDAP_NO_SUCH_OBJECT && attempt == 0 {
                index.forget(anchor: anchor)
                dn = try await lookUpDN(anchor: anchor)
                if dn != target { continue }
            }
            throw try await client.once { connection in
                connection.failure(rc, "\(operation) of \(target)", anchor: anchor)
            }
        }
    }

    /// The DN of the entry with `anchor`: from the index, else by searching the base DNs for it.
    func lookUpDN(anchor: Anchor) async throws -> String {
        if let dn = index.dn(of: anchor) { return dn }
        let settings = self.settings
        let schema = try await directorySchema()
        let binary =
            schema.kind(of: settings.anchorAttribute, references: [], binary: settings.binaryAttributes) == .binary
        let value: [UInt8] = binary ? Self.unhex(anchor.rawValue) ?? [] : Array(anchor.rawValue.utf8)
        let filter = "(\(settings.anchorAttribute)=\(DistinguishedName.escapeFilterValue(value)))"
        for base in settings.baseDNs {
            let entries = try await client.perform("search of \(base) for an anchor") {
                (connection: LDAPConnection) throws -> [RawEntry] in
                let found = Result { () throws(ConnectorError) -> [RawEntry] in
                    try connection.searchAll(
                        base: base, scope: tandem_ldap_scope_subtree, filter: filter, attributes: ["1.1"])
                }
                // A value the anchor's syntax rejects names no entry.
                return try found.orEmpty(when: [.schema, .notFound])
            }
            if let entry = entries.first {
                index.record(anchor: anchor, dn: entry.dn)
                return entry.dn
            }
        }
        throw ConnectorError(
            .notFound, "no entry under connectors.\(settings.name).baseDNs has this \(settings.anchorAttribute)",
            anchor: anchor)
    }

    /// The anchor of the entry named `dn`, recorded in the index; `nil` if there is none.
    @discardableResult
    func lookUpAnchor(dn: String) async throws -> Anchor? {
        let key = DistinguishedName.normalized(dn)
        if let anchor = index.anchor(ofNormalized: key) { return anchor }
        let anchorAttribute = settings.anchorAttribute
        let entries = try await client.perform("reading \(dn)") {
            (connection: LDAPConnection) throws -> [RawEntry] in
            let found = Result { () throws(ConnectorError) -> [RawEntry] in
                try connection.searchAll(
                    base: dn, scope: tandem_ldap_scope_base, filter: "(objectClass=*)", attributes: [anchorAttribute])
            }
            return try found.orEmpty(when: [.notFound, .schema])
        }
        guard let value = entries.first?.values(anchorAttribute)?.first else { return nil }
        let schema = try await directorySchema()
        let binary = schema.kind(of: anchorAttribute, references: [], binary: settings.binaryAttributes) == .binary
        let anchor = EntryMapper.anchor(value, binary: binary)
        index.record(anchor: anchor, dn: dn)
        return anchor
    }

    static func unhex(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = 0
        while index < digits.count {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else {
                return nil
            }
            bytes.append(byte)
            index += 2
        }
        return bytes
    }
}

extension Result where Success == [RawEntry], Failure == ConnectorError {
    /// The entries, or none when the search failed with one of `codes`.
    func orEmpty(when codes: Set<ConnectorError.Code>) throws(ConnectorError) -> [RawEntry] {
        switch self {
        case .success(let entries): return entries
        case .failure(let error) where codes.contains(error.code): return []
        case .failure(let error): throw error
        }
    }
}
