import ConnectorKit
import Foundation
import Synchronization

/// A test hook (never set in production): `TANDEM_TEST_KILL_AFTER_EXPORT_CALLS=N` makes the
/// process kill itself with SIGKILL right after the Nth export call to any connector returns —
/// the connected system has the changes, the journal does not have their results. Tests of forced
/// failover use it to die mid-export at a known point.
final class ExportKillFault: Connector {
    let inner: any Connector
    private let remaining: Countdown

    /// Export calls left before the kill, shared by every wrapped connector.
    final class Countdown: Sendable {
        let left: Mutex<Int>
        init(_ calls: Int) { left = Mutex(calls) }
    }

    static func wrap(_ connectors: [String: any Connector], environment: [String: String]) -> [String: any Connector] {
        guard let text = environment["TANDEM_TEST_KILL_AFTER_EXPORT_CALLS"], let calls = Int(text), calls > 0 else {
            return connectors
        }
        let shared = Countdown(calls)
        return connectors.mapValues { ExportKillFault(inner: $0, remaining: shared) }
    }

    private init(inner: any Connector, remaining: Countdown) {
        self.inner = inner
        self.remaining = remaining
    }

    var capabilities: ConnectorCapabilities { inner.capabilities }
    func schema() async throws -> ConnectorSchema { try await inner.schema() }
    func testConnection() async throws { try await inner.testConnection() }
    func importObjects(_ request: ImportRequest) -> AsyncThrowingStream<ImportBatch, any Error> {
        inner.importObjects(request)
    }

    func export(_ changes: [ObjectChange]) async throws -> [ExportResult] {
        try await export(ExportBatch(changes))
    }

    func export(_ changes: ExportBatch) async throws -> [ExportResult] {
        let results = try await inner.export(changes)
        let die = remaining.left.withLock { left -> Bool in
            left -= 1
            return left == 0
        }
        if die { kill(getpid(), SIGKILL) }
        return results
    }
}
