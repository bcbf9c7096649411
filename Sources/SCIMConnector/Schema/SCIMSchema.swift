/// A SCIM attribute definition (RFC 7643 §7), as `/Schemas` describes it.
struct SCIMAttributeDefinition: Hashable, Sendable {
    enum DataType: String, Hashable, Sendable {
        case string, boolean, decimal, integer, dateTime, binary, reference, complex
    }

    enum Mutability: String, Hashable, Sendable {
        case readOnly, readWrite, immutable, writeOnly
    }

    var name: String
    var type: DataType
    var multiValued: Bool
    var required: Bool
    var mutability: Mutability
    /// For `reference` attributes: the resource types (`User`, `Group`) or `external`/`uri` a value points to.
    var referenceTypes: [String]
    var subAttributes: [SCIMAttributeDefinition]

    init(
        _ name: String, _ type: DataType = .string, multiValued: Bool = false, required: Bool = false,
        mutability: Mutability = .readWrite, referenceTypes: [String] = [],
        subAttributes: [SCIMAttributeDefinition] = []
    ) {
        self.name = name
        self.type = type
        self.multiValued = multiValued
        self.required = required
        self.mutability = mutability
        self.referenceTypes = referenceTypes
        self.subAttributes = subAttributes
    }

    func subAttribute(_ name: String) -> SCIMAttributeDefinition? {
        subAttributes.first { $0.name.lowercased() == name.lowercased() }
    }
}

/// A resource type (RFC 7643 §6): its endpoint, core schema and extensions.
struct SCIMResourceType: Hashable, Sendable {
    var name: String
    /// `/Users`, `/Groups`.
    var endpoint: String
    var schema: String
    var extensions: [String]
}

/// What the service serves: resource types and the attributes of each schema.
struct SCIMSchema: Hashable, Sendable {
    var resourceTypes: [SCIMResourceType]
    /// Attribute definitions by schema URN.
    var schemas: [String: [SCIMAttributeDefinition]]

    func resourceType(_ name: String) -> SCIMResourceType? {
        resourceTypes.first { $0.name == name }
    }

    static let coreUser = "urn:ietf:params:scim:schemas:core:2.0:User"
    static let coreGroup = "urn:ietf:params:scim:schemas:core:2.0:Group"
    static let enterpriseUser = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
}

extension SCIMSchema {
    /// Reads `/ResourceTypes` and `/Schemas` list responses; attributes of schemas the service does not describe
    /// come from RFC 7643, so a service with partial discovery still maps.
    static func parse(resourceTypes: JSONValue, schemas: JSONValue) -> SCIMSchema? {
        var types: [SCIMResourceType] = []
        for resource in resourceTypes["Resources"]?.arrayValue ?? [] {
            guard let name = resource["name"]?.stringValue ?? resource["id"]?.stringValue,
                let endpoint = resource["endpoint"]?.stringValue, let schema = resource["schema"]?.stringValue
            else { continue }
            let extensions = (resource["schemaExtensions"]?.arrayValue ?? []).compactMap { $0["schema"]?.stringValue }
            types.append(
                SCIMResourceType(
                    name: name, endpoint: endpoint.hasPrefix("/") ? endpoint : "/" + endpoint, schema: schema,
                    extensions: extensions))
        }
        guard !types.isEmpty else { return nil }
        var definitions = builtin.schemas
        for resource in schemas["Resources"]?.arrayValue ?? [] {
            guard let id = resource["id"]?.stringValue, let attributes = resource["attributes"]?.arrayValue else {
                continue
            }
            definitions[id] = attributes.compactMap(SCIMAttributeDefinition.parse)
        }
        return SCIMSchema(resourceTypes: types, schemas: definitions)
    }
}

extension SCIMAttributeDefinition {
    static func parse(_ json: JSONValue) -> SCIMAttributeDefinition? {
        guard let name = json["name"]?.stringValue else { return nil }
        return SCIMAttributeDefinition(
            name, DataType(rawValue: json["type"]?.stringValue ?? "string") ?? .string,
            multiValued: json["multiValued"]?.boolValue ?? false, required: json["required"]?.boolValue ?? false,
            mutability: Mutability(rawValue: json["mutability"]?.stringValue ?? "readWrite") ?? .readWrite,
            referenceTypes: (json["referenceTypes"]?.arrayValue ?? []).compactMap(\.stringValue),
            subAttributes: (json["subAttributes"]?.arrayValue ?? []).compactMap(parse))
    }
}
