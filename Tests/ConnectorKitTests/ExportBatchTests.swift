import ConnectorKit
import ConnectorKitTesting
import Synchronization
import Testing

/// An export call's changes are made one at a time, as the connector reads them.
@Suite struct ExportBatchTests {
    static func change(_ index: Int) -> ObjectChange {
        .delete(anchor: Anchor("E\(index)"), objectType: "person")
    }

    @Test func aBatchMakesEachChangeWhenItIsRead() {
        let made = Mutex(0)
        let batch = ExportBatch(count: 3) { index in
            made.withLock { $0 += 1 }
            return Self.change(index)
        }
        #expect(batch.count == 3)
        #expect(made.withLock { $0 } == 0, "nothing is made before it is read")
        #expect(batch[1] == Self.change(1))
        #expect(made.withLock { $0 } == 1)
        #expect(Array(batch) == (0..<3).map(Self.change))
        #expect(made.withLock { $0 } == 4)
    }

    @Test func anEmptyBatchMakesNothing() {
        let batch = ExportBatch(count: 0) { _ in
            Issue.record("an empty batch made a change")
            return Self.change(0)
        }
        #expect(batch.isEmpty)
        #expect(Array(batch).isEmpty)
    }

    @Test func aConnectorWithoutItsOwnBatchExportGetsTheChangesInOrder() async throws {
        let connector = InMemoryConnector(options: .init(objectTypes: ["person"], anchorAttribute: "uid"))
        let objects = (1...3).map { index in
            ConnectorObject(
                anchor: Anchor("p\(index)"), objectType: "person", attributes: ["uid": [.string("p\(index)")]])
        }
        let changes = objects.map { ObjectChange.add($0) }
        let results = try await connector.export(ExportBatch(changes))
        #expect(results.count == 3)
        #expect(connector.exportCalls == [changes])
    }
}
