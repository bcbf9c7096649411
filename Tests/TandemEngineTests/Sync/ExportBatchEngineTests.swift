import ConnectorKit
import ConnectorKitTesting
import Synchronization
import Testing

@testable import TandemEngine

/// The engine hands an export call to the connector as a batch whose changes are made as they are read,
/// so a large call is never held as attribute dictionaries all at once.
@Suite struct ExportBatchEngineTests {
    /// Reads each batch once, in order, passing each change on alone; fails the test if it is given an
    /// array instead.
    final class BatchReadingConnector: Connector {
        let inner: InMemoryConnector
        /// The size of each batch it was given.
        let batchSizes = Mutex<[Int]>([])

        init(_ inner: InMemoryConnector) { self.inner = inner }

        var capabilities: ConnectorCapabilities { inner.capabilities }
        func schema() async throws -> ConnectorSchema { try await inner.schema() }
        func testConnection() async throws { try await inner.testConnection() }
        func importObjects(_ request: ImportRequest) -> AsyncThrowingStream<ImportBatch, any Error> {
            inner.importObjects(request)
        }

        func export(_ changes: [ObjectChange]) async throws -> [ExportResult] {
            Issue.record("the engine made a whole export call's changes at once")
            return try await inner.export(changes)
        }

        func export(_ batch: ExportBatch) async throws -> [ExportResult] {
            batchSizes.withLock { $0.append(batch.count) }
            var results: [ExportResult] = []
            for change in batch { results += try await inner.export([change]) }
            return results
        }
    }

    @Test func anExportCallIsABatchReadOneChangeAtATime() async throws {
        let (rig, hr, directory) = PromotionRig.hrToDirectory(employees: 5)
        defer { rig.remove() }
        let reading = BatchReadingConnector(directory)
        let (journal, engine) = try rig.open(["hr": hr, "directory": reading])
        let results = try await engine.cycle(initial: true)
        #expect(results.allSatisfy { $0.status == .success }, "\(results)")
        #expect(Set(directory.addedUIDs()) == ["e1", "e2", "e3", "e4", "e5"])
        // The connector's pages of two, each handed over as a batch.
        #expect(reading.batchSizes.withLock { $0 } == [2, 2, 1])
        let live = await engine.state.stateDigest
        await journal.close()
        #expect(try EngineReplay.replay(directory: rig.journalDirectory).stateDigest == live)
    }
}
