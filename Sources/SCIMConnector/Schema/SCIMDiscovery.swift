import ConnectorKit

/// What the service supports (`/ServiceProviderConfig`, RFC 7643 §5).
struct ServiceFeatures: Hashable, Sendable {
    var patch = true
    var filter = true
    /// The most resources the service returns per list response, if it says.
    var filterMaxResults: Int?
    var sort = false
    var etag = false

    init() {}

    init(_ json: JSONValue) {
        patch = json["patch"]?["supported"]?.boolValue ?? true
        filter = json["filter"]?["supported"]?.boolValue ?? true
        filterMaxResults = json["filter"]?["maxResults"]?.integerValue.map { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
        sort = json["sort"]?["supported"]?.boolValue ?? false
        etag = json["etag"]?["supported"]?.boolValue ?? false
    }
}

/// Everything learned from the service before the first import or export: its features, and a codec per
/// configured resource type built from its schema.
struct SCIMDiscovery: Sendable {
    var features: ServiceFeatures
    var schema: SCIMSchema
    var codecs: [ObjectType: ResourceCodec]

    /// Reads `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas`; each is optional (RFC 7644 §4), so a
    /// service without them is described by RFC 7643's defaults.
    static func discover(_ transport: SCIMTransport, objectTypes: [ObjectType]) async throws -> SCIMDiscovery {
        let config = try await transport.send(SCIMRequest(method: .GET, path: "/ServiceProviderConfig"))
        let features = config.isSuccess ? config.body.map(ServiceFeatures.init) ?? ServiceFeatures() : ServiceFeatures()
        var schema = SCIMSchema.builtin
        let types = try await transport.send(SCIMRequest(method: .GET, path: "/ResourceTypes"))
        if types.isSuccess, let typesBody = types.body {
            let schemas = try await transport.send(SCIMRequest(method: .GET, path: "/Schemas"))
            let schemasBody = schemas.isSuccess ? schemas.body ?? .null : .null
            if let parsed = SCIMSchema.parse(resourceTypes: typesBody, schemas: schemasBody) { schema = parsed }
        }
        var codecs: [ObjectType: ResourceCodec] = [:]
        for type in objectTypes {
            guard let resourceType = schema.resourceType(type.rawValue) else {
                throw ConnectorError(
                    .invalidConfiguration,
                    "SCIM service at \(transport.baseURL) has no resource type '\(type)' (objectTypes); it serves "
                        + schema.resourceTypes.map(\.name).joined(separator: ", "))
            }
            codecs[type] = ResourceCodec(mapping: ResourceMapping(resourceType, schema: schema))
        }
        return SCIMDiscovery(features: features, schema: schema, codecs: codecs)
    }

    /// The schema in ConnectorKit's terms: one object class per configured resource type, anchored on `id`.
    func connectorSchema(_ objectTypes: [ObjectType]) -> ConnectorSchema {
        ConnectorSchema(
            objectClasses: objectTypes.compactMap { type in
                guard let codec = codecs[type] else { return nil }
                return ConnectorSchema.ObjectClass(
                    type, anchorAttribute: "id",
                    attributes: codec.mapping.attributes.map {
                        ConnectorSchema.Attribute(
                            $0.name, kind: $0.kind, multiValued: $0.isMultiValued, required: $0.isRequired,
                            referencedTypes: $0.referencedTypes.map { ObjectType($0) })
                    })
            })
    }
}
