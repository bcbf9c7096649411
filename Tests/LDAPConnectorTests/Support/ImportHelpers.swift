import ConnectorKit
import ConnectorKitTesting

/// Runs an import to the end and returns its batches.
func importBatches(_ connector: any Connector, _ mode: ImportRequest.Mode, space: InMemoryConnectorSpace)
    async throws -> [ImportBatch]
{
    var batches: [ImportBatch] = []
    for try await batch in connector.importObjects(ImportRequest(mode: mode, connectorSpace: space)) {
        batches.append(batch)
    }
    return batches
}

/// A full import applied to an empty connector space, and its watermark.
func fullImport(_ connector: any Connector) async throws -> (InMemoryConnectorSpace, Watermark?) {
    var space = InMemoryConnectorSpace()
    let batches = try await importBatches(connector, .full, space: space)
    try space.apply(batches)
    return (space, batches.last?.watermark)
}

extension InMemoryConnectorSpace {
    /// The object with this DN (compared without case).
    func object(named dn: String) -> ConnectorObject? {
        objects.values.first { $0.distinguishedName?.lowercased() == dn.lowercased() }
    }
}
