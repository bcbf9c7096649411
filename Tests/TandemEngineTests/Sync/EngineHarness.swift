import ConnectorKit
import ConnectorKitTesting
import Foundation
import Logging
import TandemJournal

@testable import TandemEngine

/// An engine over in-memory connected systems and a real journal in a temporary directory.
final class EngineHarness {
    let directory: String
    let configuration: Configuration
    let connectors: [String: InMemoryConnector]
    private(set) var journal: Journal!
    private(set) var engine: SyncEngine!

    /// Checkpoints every this many events (in `directory/checkpoints`); `nil`: none.
    let checkpointInterval: UInt64?

    init(
        configuration: (String) -> Configuration, connectors: [String: InMemoryConnector],
        checkpointInterval: UInt64? = nil
    ) async throws {
        directory = FileManager.default.temporaryDirectory.path + "/tandem-engine-\(UUID().uuidString.prefix(8))"
        self.configuration = configuration(directory)
        self.connectors = connectors
        self.checkpointInterval = checkpointInterval
        try await open()
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func open() async throws {
        var options = JournalOptions()
        options.logger.logLevel = .warning
        options.segmentSizeBytes = 1 << 16
        journal = try Journal.open(directory: directory + "/journal", options: options)
        var logger = engineLogger
        logger.logLevel = .warning
        engine = try SyncEngine(
            configuration: configuration, journal: journal, connectors: connectors,
            compile: ExpressionLanguage.flowCompiler,
            logger: logger,
            checkpointing: checkpointInterval.map { CheckpointPolicy(checkpoints: checkpoints, interval: $0) })
    }

    /// Closes and reopens: the engine's state comes back from the journal alone.
    func reopen() async throws {
        await journal.close()
        try await open()
    }

    func close() async { await journal.close() }

    var checkpoints: EngineCheckpoints {
        var logger = engineLogger
        logger.logLevel = .error
        return EngineCheckpoints(directory: directory + "/checkpoints", logger: logger)
    }

    var state: EngineState { get async { await engine.state } }

    /// The digest of a replay of the journal, which must equal the live state's.
    func replayedDigest() throws -> String { try EngineReplay.replay(directory: directory + "/journal").stateDigest }

    /// The connector-space changes the journal's imports hold after `seq`, in journal order.
    func importedChanges(after seq: UInt64) throws -> [ConnectorSpaceChange] {
        let reader = try JournalReader(directory: directory + "/journal")
        guard reader.lastSeq > seq else { return [] }
        return try reader.events(in: (seq + 1)...reader.lastSeq).flatMap { stored -> [ConnectorSpaceChange] in
            guard case .objectsImported(let imported) = try EngineEventCodec.decode(stored) else { return [] }
            return imported.changes
        }
    }

    @discardableResult
    func cycle(initial: Bool = false) async throws -> [RunFinished] { try await engine.cycle(initial: initial) }

    @discardableResult
    func run(_ profile: RunProfile, _ connector: String) async throws -> RunFinished {
        try await engine.run(profile, connector: connector)
    }
}

let engineLogger = Logger(label: "tandem.engine.test")

/// A configuration built in code, for scenario tests.
func scenarioConfiguration(
    connectors: [String], inbound: [InboundRule], outbound: [OutboundRule] = [],
    metaverse: [ObjectType: MetaverseTypeConfiguration] = ["person": .init(), "group": .init()],
    threshold: DeletionThreshold = DeletionThreshold(count: 500), errorLimit: Int = 5_000
) -> (String) -> Configuration {
    { directory in
        Configuration(
            baseDirectory: directory, dataDirectory: directory,
            connectors: connectors.map { ConnectorConfiguration(name: $0, type: "memory", settings: [:]) },
            metaverse: metaverse, inboundRules: inbound, outboundRules: outbound, deletionThreshold: threshold,
            errorLimit: errorLimit)
    }
}

func person(_ id: String, _ attributes: [String: String], type: ObjectType = "person") -> ConnectorObject {
    ConnectorObject(anchor: Anchor(id), objectType: type, attributes: attributes.mapValues { [.string($0)] })
}

func flows(_ pairs: [(String, String)]) -> [AttributeFlow] {
    pairs.map { AttributeFlow(target: $0.0, expression: $0.1) }
}
