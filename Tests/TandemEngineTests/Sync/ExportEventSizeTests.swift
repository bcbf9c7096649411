import ConnectorKit
import ConnectorKitTesting
import TandemJournal
import Testing

@testable import TandemEngine

/// An export page's decisions (exports staged again as written, follow-ups) are journaled in events
/// of at most `decisionsPerEvent` each, as a sync's are: a large page size must never make one event
/// larger than the journal takes (seen: a page of 50,000 adds at 100,000 people, 20 MB in one event).
@Suite struct ExportEventSizeTests {
    @Test func aLargePageOfRestagedExportsIsJournaledInBoundedEvents() async throws {
        let count = 2_600
        var people = (1...count).map { SyncScenarioTests.employee($0) }
        // Everyone but E1 reports to E1: their adds wait for E1's and are written with its real
        // anchor, so each is staged again as written.
        for index in 1..<count { people[index].attributes["manager"] = [.reference("E1")] }
        let directory = InMemoryConnector(
            options: .init(
                objectTypes: ["person"], anchorAttribute: "uid", referenceAttributes: ["manager"], pageSize: 5_000))
        let harness = try await EngineHarness(
            configuration: scenarioConfiguration(
                connectors: ["hr", "directory"], inbound: [SyncScenarioTests.hrIn],
                outbound: [SyncScenarioTests.directoryOut]),
            connectors: ["hr": SyncScenarioTests.hr(people), "directory": directory])
        let results = try await harness.cycle(initial: true)
        #expect(results.allSatisfy { $0.status == .success }, "\(results)")
        #expect(directory.objects.count == count)
        #expect(directory.object("e2")?.attributes["manager"] == [.reference("e1")])

        let reader = try JournalReader(directory: harness.directory + "/journal")
        var restaged = 0
        var largest = 0
        for stored in try reader.events(in: 1...reader.lastSeq) {
            guard case .syncDecisions(let batch) = try EngineEventCodec.decode(stored) else { continue }
            largest = max(largest, batch.decisions.count)
            restaged += batch.decisions.count { if case .stageExport = $0 { true } else { false } }
        }
        let limit = await harness.engine.decisionsPerEvent
        #expect(restaged > limit, "the page restaged more exports than one event may hold")
        #expect(largest <= limit)
        #expect(try harness.replayedDigest() == (await harness.state).stateDigest)
        await harness.close()
    }
}
