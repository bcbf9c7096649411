import ConnectorKit
import ConnectorKitTesting
import Testing

@testable import TandemEngine

/// Swift's dictionaries never shrink: a space's export tables, filled by a full sync and emptied by its export,
/// give their room back.
@Suite struct TableCapacityTests {
    @Test func aTableLeftAtUnderAQuarterGivesBackItsRoom() {
        var table = [Int: Int](uniqueKeysWithValues: (0..<10_000).map { ($0, $0) })
        let full = table.capacity
        for key in 0..<9_000 { table[key] = nil }
        #expect(table.capacity == full, "a dictionary keeps its room by itself")
        table.releaseUnusedCapacity()
        #expect(table.capacity < full / 4)
        #expect(table == [Int: Int](uniqueKeysWithValues: (9_000..<10_000).map { ($0, $0) }))
        var third = [Int: Int](uniqueKeysWithValues: (0..<10_000).map { ($0, $0) })
        let room = third.capacity
        for key in 0..<(10_000 - room / 3) { third[key] = nil }
        third.releaseUnusedCapacity()
        #expect(third.capacity == room, "a table left at over a quarter keeps its room")
        var small = [Int: Int](uniqueKeysWithValues: (0..<600).map { ($0, $0) })
        for key in 0..<590 { small[key] = nil }
        let smallRoom = small.capacity
        small.releaseUnusedCapacity()
        #expect(small.capacity == smallRoom, "a table with room for at most 1,024 is left as it is")
        var emptied = [Int: Int](uniqueKeysWithValues: (0..<5_000).map { ($0, $0) })
        emptied.removeAll(keepingCapacity: true)
        emptied.releaseUnusedCapacity()
        #expect(emptied.capacity == 0)
    }

    @Test func anExportThatSettlesEveryPendingExportKeepsNoRoomForThem() async throws {
        let harness = try await EngineHarness(
            configuration: scenarioConfiguration(
                connectors: ["hr", "directory"], inbound: [SyncScenarioTests.hrIn],
                outbound: [SyncScenarioTests.directoryOut]),
            connectors: [
                "hr": SyncScenarioTests.hr((1...3_000).map { SyncScenarioTests.employee($0) }),
                "directory": SyncScenarioTests.directory(),
            ])
        try await harness.run(.fullImport, "hr")
        try await harness.run(.fullSync, "hr")
        #expect(await harness.state.space("directory").pendingExports.count == 3_000)
        try await harness.run(.export, "directory")
        let space = await harness.state.space("directory")
        #expect(
            space.pendingExports.isEmpty && space.pendingExports.capacity <= 1_024, "\(space.pendingExports.capacity)")
        #expect(space.unconfirmedExports.count == 3_000)
        try await harness.run(.deltaImport, "directory")
        let confirmed = await harness.state.space("directory")
        #expect(
            confirmed.unconfirmedExports.isEmpty && confirmed.unconfirmedExports.capacity <= 1_024,
            "\(confirmed.unconfirmedExports.capacity)")
        #expect(try harness.replayedDigest() == (await harness.state).stateDigest)
        await harness.close()
    }
}
