import ConnectorKit
import ConnectorKitTesting
import Foundation
import Logging
import Synchronization
import TandemJournal

@testable import TandemEngine

/// A process dying between handing a batch to the connected system and recording its result.
struct SimulatedCrash: Error {}

/// Wraps a connector so that one export call reaches the connected system and then "crashes"
/// before the engine can record the outcome.
final class CrashingConnector: Connector {
    let inner: InMemoryConnector
    private let remaining: Mutex<Int>

    /// Crashes on export call number `crashOnCall` (1-based), after the changes took effect.
    init(_ inner: InMemoryConnector, crashOnCall: Int) {
        self.inner = inner
        self.remaining = Mutex(crashOnCall)
    }

    var capabilities: ConnectorCapabilities { inner.capabilities }
    func schema() async throws -> ConnectorSchema { try await inner.schema() }
    func testConnection() async throws { try await inner.testConnection() }
    func importObjects(_ request: ImportRequest) -> AsyncThrowingStream<ImportBatch, any Error> {
        inner.importObjects(request)
    }

    func export(_ changes: [ObjectChange]) async throws -> [ExportResult] {
        let results = try await inner.export(changes)
        let crash = remaining.withLock { left -> Bool in
            left -= 1
            return left == 0
        }
        if crash { throw SimulatedCrash() }
        return results
    }
}

/// An export permit that grants a fixed number of batches, then denies.
final class CountingPermit: ExportPermit {
    private let grants: Mutex<Int>
    let reason: String

    init(grants: Int, reason: String = "the lease on epoch 1 lapsed") {
        self.grants = Mutex(grants)
        self.reason = reason
    }

    func checkExport(epoch: UInt64, connector: String) async -> ExportPermission {
        grants.withLock { left in
            guard left > 0 else { return .denied(reason: reason) }
            left -= 1
            return .granted
        }
    }
}

/// An engine over a journal in a temporary directory, with any connectors.
struct PromotionRig {
    let directory: String
    let configuration: Configuration

    init(_ configuration: (String) -> Configuration) {
        directory = FileManager.default.temporaryDirectory.path + "/tandem-promotion-\(UUID().uuidString.prefix(8))"
        self.configuration = configuration(directory)
    }

    var journalDirectory: String { directory + "/journal" }

    func open(_ connectors: [String: any Connector]) throws -> (Journal, SyncEngine) {
        var options = JournalOptions()
        options.logger.logLevel = .warning
        let journal = try Journal.open(directory: journalDirectory, options: options)
        var logger = Logger(label: "tandem.engine.test")
        logger.logLevel = .error
        let engine = try SyncEngine(
            configuration: configuration, journal: journal, connectors: connectors,
            compile: ExpressionLanguage.flowCompiler, logger: logger)
        return (journal, engine)
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    /// HR (5 employees) into a directory that exports two objects per batch.
    static func hrToDirectory(employees: Int = 5) -> (PromotionRig, InMemoryConnector, InMemoryConnector) {
        let hr = SyncScenarioTests.hr((1...employees).map { SyncScenarioTests.employee($0) })
        let directory = InMemoryConnector(
            options: .init(
                objectTypes: ["person"], anchorAttribute: "uid", referenceAttributes: ["manager"], pageSize: 2))
        let rig = PromotionRig(
            scenarioConfiguration(
                connectors: ["hr", "directory"], inbound: [SyncScenarioTests.hrIn],
                outbound: [SyncScenarioTests.directoryOut]))
        return (rig, hr, directory)
    }
}

extension InMemoryConnector {
    /// Every add the system received, by the anchor attribute's value.
    func addedUIDs() -> [String] {
        exportCalls.flatMap { $0 }.compactMap { change -> String? in
            guard case .add(let object) = change else { return nil }
            return object["uid"]?.text
        }
    }
}
