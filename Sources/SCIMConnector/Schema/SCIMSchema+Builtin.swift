extension SCIMSchema {
    /// RFC 7643's User (with the enterprise extension) and Group, for services without `/Schemas` or
    /// `/ResourceTypes` (both are optional in RFC 7644).
    static let builtin = SCIMSchema(
        resourceTypes: [
            SCIMResourceType(name: "User", endpoint: "/Users", schema: coreUser, extensions: [enterpriseUser]),
            SCIMResourceType(name: "Group", endpoint: "/Groups", schema: coreGroup, extensions: []),
        ],
        schemas: [coreUser: userAttributes, coreGroup: groupAttributes, enterpriseUser: enterpriseAttributes])

    private static func multiValued(_ name: String, _ type: SCIMAttributeDefinition.DataType = .string)
        -> SCIMAttributeDefinition
    {
        SCIMAttributeDefinition(
            name, .complex, multiValued: true,
            subAttributes: [
                SCIMAttributeDefinition("value", type), SCIMAttributeDefinition("display"),
                SCIMAttributeDefinition("type"), SCIMAttributeDefinition("primary", .boolean),
            ])
    }

    private static func reference(_ name: String, to types: [String], multiValued: Bool) -> SCIMAttributeDefinition {
        SCIMAttributeDefinition(
            name, .complex, multiValued: multiValued,
            subAttributes: [
                SCIMAttributeDefinition("value"),
                SCIMAttributeDefinition("$ref", .reference, referenceTypes: types),
                SCIMAttributeDefinition("display", mutability: .readOnly),
                SCIMAttributeDefinition("type", mutability: .immutable),
            ])
    }

    static let userAttributes: [SCIMAttributeDefinition] = [
        SCIMAttributeDefinition("userName", required: true),
        SCIMAttributeDefinition(
            "name", .complex,
            subAttributes: ["formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix"]
                .map { SCIMAttributeDefinition($0) }),
        SCIMAttributeDefinition("displayName"), SCIMAttributeDefinition("nickName"),
        SCIMAttributeDefinition("profileUrl", .reference, referenceTypes: ["external"]),
        SCIMAttributeDefinition("title"), SCIMAttributeDefinition("userType"),
        SCIMAttributeDefinition("preferredLanguage"), SCIMAttributeDefinition("locale"),
        SCIMAttributeDefinition("timezone"), SCIMAttributeDefinition("active", .boolean),
        SCIMAttributeDefinition("password", mutability: .writeOnly),
        multiValued("emails"), multiValued("phoneNumbers"), multiValued("ims"),
        multiValued("photos", .reference), multiValued("entitlements"), multiValued("roles"),
        multiValued("x509Certificates", .binary),
        reference("groups", to: ["User", "Group"], multiValued: true).readOnly(),
    ]

    static let groupAttributes: [SCIMAttributeDefinition] = [
        SCIMAttributeDefinition("displayName", required: true),
        reference("members", to: ["User", "Group"], multiValued: true),
    ]

    static let enterpriseAttributes: [SCIMAttributeDefinition] = [
        SCIMAttributeDefinition("employeeNumber"), SCIMAttributeDefinition("costCenter"),
        SCIMAttributeDefinition("organization"), SCIMAttributeDefinition("division"),
        SCIMAttributeDefinition("department"), reference("manager", to: ["User"], multiValued: false),
    ]
}

extension SCIMAttributeDefinition {
    fileprivate func readOnly() -> SCIMAttributeDefinition {
        var copy = self
        copy.mutability = .readOnly
        return copy
    }
}
