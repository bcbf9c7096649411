import ConnectorKit

/// A message a plug-in writes to its standard output (Plugins/PROTOCOL.md § 4).
enum PluginMessage: Sendable {
    /// The plug-in's handshake reply.
    struct Ready: Sendable {
        var protocolVersion: Int64
        var name: String
        var version: String
        var capabilities: PluginCapabilities
    }

    case ready(id: Int64, Ready)
    case schema(id: Int64, ConnectorSchema)
    case tested(id: Int64, details: [String])
    case objects(id: Int64, [ImportBatch.Item])
    case end(id: Int64, watermark: Watermark)
    case exported(id: Int64, [ExportResult])
    /// An `error` reply; `id` is `nil` for an error not tied to a request (fatal).
    case error(id: Int64?, ConnectorError)

    var id: Int64? {
        switch self {
        case .ready(let id, _), .schema(let id, _), .tested(let id, _), .objects(let id, _), .end(let id, _),
            .exported(let id, _):
            id
        case .error(let id, _): id
        }
    }

    /// The message's `type`, for messages about it.
    var typeName: String {
        switch self {
        case .ready: "ready"
        case .schema: "schema"
        case .tested: "tested"
        case .objects: "objects"
        case .end: "end"
        case .exported: "exported"
        case .error: "error"
        }
    }

    /// Decodes one parsed line.
    static func decode(_ json: JSONValue) throws(MessageDecodingError) -> PluginMessage {
        let fields = try MessageFields(json, path: "")
        let type = try fields.string("type")
        switch type {
        case "error":
            let id: Int64? = if fields.optional("id") == nil { nil } else { try fields.integer("id") }
            return .error(id: id, try error(try fields.object("error")))
        case "ready":
            let plugin = try fields.object("plugin")
            return .ready(
                id: try fields.integer("id"),
                Ready(
                    protocolVersion: try fields.integer("protocolVersion"), name: try plugin.string("name"),
                    version: try plugin.string("version"),
                    capabilities: try PluginCapabilities(try fields.object("capabilities"))))
        case "schema":
            return .schema(id: try fields.integer("id"), try schema(fields))
        case "tested":
            return .tested(id: try fields.integer("id"), details: try fields.stringArray("details", default: []))
        case "objects":
            let id = try fields.integer("id")
            let elements = try fields.array("items")
            var items: [ImportBatch.Item] = []
            items.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                items.append(try ValueCoding.importItem(element, "items[\(index)]"))
            }
            return .objects(id: id, items)
        case "end":
            return .end(id: try fields.integer("id"), watermark: Watermark(try fields.string("watermark")))
        case "exported":
            let id = try fields.integer("id")
            var results: [ExportResult] = []
            for (index, element) in try fields.array("results").enumerated() {
                let result = try MessageFields(element, path: "results[\(index)]")
                if try result.boolean("ok", default: false) {
                    results.append(.applied(anchor: Anchor(try result.string("anchor"))))
                } else {
                    results.append(.failed(try error(try result.object("error"))))
                }
            }
            return .exported(id: id, results)
        default:
            throw MessageDecodingError(
                "type",
                "unknown message type '\(type)'; expected ready, schema, tested, objects, end, exported or error")
        }
    }

    /// An error object (§ 6); an unknown code reads as `other`.
    static func error(_ fields: MessageFields) throws(MessageDecodingError) -> ConnectorError {
        let name = try fields.string("code")
        let code = ConnectorError.Code(name: name) ?? .other
        let anchor = try fields.optionalString("anchor").map { Anchor($0) }
        return ConnectorError(
            code, try fields.string("message"), anchor: anchor, systemCode: try fields.optionalString("systemCode"))
    }

    static func schema(_ fields: MessageFields) throws(MessageDecodingError) -> ConnectorSchema {
        var classes: [ConnectorSchema.ObjectClass] = []
        for (index, element) in try fields.array("objectClasses").enumerated() {
            let objectClass = try MessageFields(element, path: "objectClasses[\(index)]")
            var attributes: [ConnectorSchema.Attribute] = []
            for (position, member) in try objectClass.array("attributes").enumerated() {
                let attribute = try MessageFields(member, path: "\(objectClass.child("attributes"))[\(position)]")
                let kindName = try attribute.string("kind")
                guard let kind = AttributeKind(rawValue: kindName) else {
                    throw MessageDecodingError(
                        attribute.child("kind"),
                        "unknown kind '\(kindName)'; expected \(AttributeKind.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                attributes.append(
                    ConnectorSchema.Attribute(
                        try attribute.string("name"), kind: kind,
                        multiValued: try attribute.boolean("multiValued", default: false),
                        required: try attribute.boolean("required", default: false),
                        referencedTypes: try attribute.stringArray("referencedTypes", default: []).map {
                            ObjectType($0)
                        }))
            }
            classes.append(
                ConnectorSchema.ObjectClass(
                    ObjectType(try objectClass.string("objectType")),
                    anchorAttribute: try objectClass.string("anchorAttribute"), attributes: attributes))
        }
        return ConnectorSchema(objectClasses: classes)
    }
}
