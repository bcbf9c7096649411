import ConnectorKit

/// What a plug-in can do, as `plugin.json` and the `ready` reply declare it (Plugins/PROTOCOL.md § 4.1).
public struct PluginCapabilities: Hashable, Sendable {
    public var objectTypes: [ObjectType]
    public var deltaImport: Bool
    public var exportOperations: Set<ConnectorCapabilities.ExportOperation>
    public var referenceAttributes: Set<String>
    public var pageSize: Int

    init(_ fields: MessageFields) throws(MessageDecodingError) {
        objectTypes = try fields.stringArray("objectTypes").map { ObjectType($0) }
        deltaImport = try fields.boolean("deltaImport", default: false)
        var operations = Set<ConnectorCapabilities.ExportOperation>()
        for name in try fields.stringArray("export", default: []) {
            guard let operation = ConnectorCapabilities.ExportOperation(rawValue: name) else {
                throw MessageDecodingError(
                    fields.child("export"), "unknown operation '\(name)'; expected add, update, delete or rename")
            }
            operations.insert(operation)
        }
        exportOperations = operations
        referenceAttributes = Set(try fields.stringArray("referenceAttributes", default: []))
        if fields.optional("pageSize") == nil {
            pageSize = 500
        } else {
            let size = try fields.integer("pageSize")
            guard (1...1_000_000).contains(size) else {
                throw MessageDecodingError(fields.child("pageSize"), "must be between 1 and 1000000")
            }
            pageSize = Int(size)
        }
    }

    /// As ConnectorKit states them.
    public var connectorCapabilities: ConnectorCapabilities {
        ConnectorCapabilities(
            objectTypes: objectTypes, supportsDeltaImport: deltaImport, exportOperations: exportOperations,
            referenceAttributes: referenceAttributes, pageSize: pageSize)
    }

    /// What these capabilities claim beyond `limit`, in words; empty when they claim nothing more.
    func excess(over limit: PluginCapabilities) -> [String] {
        var claims: [String] = []
        for type in objectTypes where !limit.objectTypes.contains(type) { claims.append("object type '\(type)'") }
        if deltaImport && !limit.deltaImport { claims.append("delta import") }
        for operation in exportOperations.subtracting(limit.exportOperations).sorted(by: { $0.rawValue < $1.rawValue })
        {
            claims.append("export of \(operation.rawValue)")
        }
        for name in referenceAttributes.subtracting(limit.referenceAttributes).sorted() {
            claims.append("reference attribute '\(name)'")
        }
        return claims
    }
}
