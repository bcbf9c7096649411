import CLDAP
import ConnectorKit

extension LDAPConnection {
    /// Reads the subschema subentry the root DSE names (`cn=Subschema` on OpenLDAP, `CN=Aggregate,…` on AD).
    func readSchema() throws(ConnectorError) -> DirectorySchema {
        let root = try searchAll(
            base: "", scope: tandem_ldap_scope_base, filter: "(objectClass=*)", attributes: ["subschemaSubentry"])
        let subentry = root.first?.text("subschemaSubentry") ?? "cn=Subschema"
        let entries = try searchAll(
            base: subentry, scope: tandem_ldap_scope_base, filter: "(objectClass=subschema)",
            attributes: ["attributeTypes", "objectClasses"])
        guard let entry = entries.first else {
            throw ConnectorError(.protocolViolation, "\(settings.url): the subschema subentry \(subentry) is empty")
        }
        var schema = DirectorySchema()
        for value in entry.values("attributeTypes") ?? [] {
            if let type = Self.parseAttributeType(value) { schema.add(type) }
        }
        for value in entry.values("objectClasses") ?? [] {
            if let definition = Self.parseObjectClass(value) { schema.add(definition) }
        }
        return schema
    }

    private static func parseAttributeType(_ bytes: [UInt8]) -> DirectorySchema.AttributeType? {
        var code: Int32 = 0
        var errorPosition: UnsafePointer<CChar>?
        guard
            let type = ldap_str2attributetype(
                String(decoding: bytes, as: UTF8.self), &code, &errorPosition,
                LDAP_SCHEMA_ALLOW_ALL)
        else { return nil }
        defer { ldap_attributetype_free(type) }
        let value = type.pointee
        return DirectorySchema.AttributeType(
            names: strings(value.at_names), oid: value.at_oid.map { String(cString: $0) } ?? "",
            superior: value.at_sup_oid.map { String(cString: $0) },
            syntax: value.at_syntax_oid.map { String(cString: $0) }, isSingleValued: value.at_single_value != 0,
            isUserModifiable: value.at_no_user_mod == 0 && value.at_usage == 0)
    }

    private static func parseObjectClass(_ bytes: [UInt8]) -> DirectorySchema.ObjectClassDefinition? {
        var code: Int32 = 0
        var errorPosition: UnsafePointer<CChar>?
        guard
            let definition = ldap_str2objectclass(
                String(decoding: bytes, as: UTF8.self), &code, &errorPosition,
                LDAP_SCHEMA_ALLOW_ALL)
        else { return nil }
        defer { ldap_objectclass_free(definition) }
        let value = definition.pointee
        return DirectorySchema.ObjectClassDefinition(
            names: strings(value.oc_names), superiors: strings(value.oc_sup_oids),
            must: strings(value.oc_at_oids_must), may: strings(value.oc_at_oids_may))
    }

    private static func strings(_ list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> [String] {
        guard let list else { return [] }
        var result: [String] = []
        var index = 0
        while let item = list[index] {
            result.append(String(cString: item))
            index += 1
        }
        return result
    }
}
