import ConnectorKit
import Logging

/// A connector that runs a plug-in as a child process and speaks the plug-in protocol with it
/// (Plugins/PROTOCOL.md). The process starts on first use and lives as long as the connector.
///
/// Imports are atomic: the batches of an import are handed to the engine only once the plug-in has sent `end`,
/// so a plug-in that crashes, hangs, breaks the protocol or is cancelled mid-import changes nothing in the
/// connector space (the engine commits each batch it receives). The price is holding one import's objects in
/// memory, which the engine's connector space does anyway.
public final class PluginConnector: Connector {
    /// The plug-in's manifest.
    public let manifest: PluginManifest
    private let session: PluginSession

    /// A connector for `manifest` configured by `configuration` (its `plugin` key names the plug-in).
    public init(manifest: PluginManifest, configuration: ConnectorConfiguration, tandemVersion: String = "0.1.0")
        throws
    {
        try manifest.checkProtocolVersion()
        let settings = try PluginConnectorSettings(configuration)
        self.manifest = manifest
        session = PluginSession(
            manifest: manifest, settings: settings, tandemVersion: tandemVersion,
            logger: Logger(label: "tandem.plugin"))
    }

    /// As `plugin.json` declares them: Tandem plans runs without starting the plug-in.
    public var capabilities: ConnectorCapabilities { manifest.capabilities.connectorCapabilities }

    public func schema() async throws -> ConnectorSchema {
        try await session.schema()
    }

    public func testConnection() async throws {
        _ = try await session.test()
    }

    /// Tests the connection and returns what the plug-in reports (`tested.details`): for `tandem connector test`.
    public func testDetails() async throws -> [String] {
        try await session.test()
    }

    public func importObjects(_ request: ImportRequest) -> AsyncThrowingStream<ImportBatch, any Error> {
        let session = self.session
        let mode = request.mode
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for batch in try await session.importObjects(mode) { continuation.yield(batch) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { termination in
                if case .cancelled = termination { task.cancel() }
            }
        }
    }

    public func export(_ changes: [ObjectChange]) async throws -> [ExportResult] {
        let capabilities = await session.capabilities
        var results = [ExportResult?](repeating: nil, count: changes.count)
        var supported: [(Int, ObjectChange)] = []
        for (index, change) in changes.enumerated() {
            if capabilities.exportOperations.contains(change.operation) {
                supported.append((index, change))
            } else {
                results[index] = .failed(
                    ConnectorError(
                        .unsupported, "plug-in '\(manifest.name)' does not export \(change.operation.rawValue)s",
                        anchor: change.anchor))
            }
        }
        var start = 0
        while start < supported.count {
            let page = supported[start..<min(start + capabilities.pageSize, supported.count)]
            let answered = try await session.export(page.map(\.1))
            for ((index, _), result) in zip(page, answered) { results[index] = result }
            start += page.count
        }
        return results.map { $0! }
    }

    /// Ends the plug-in's process (it is also ended when the connector goes away).
    public func shutDown() async {
        await session.shutDown()
    }
}

extension ObjectChange {
    var operation: ConnectorCapabilities.ExportOperation {
        switch self {
        case .add: .add
        case .update: .update
        case .delete: .delete
        case .rename: .rename
        }
    }
}
