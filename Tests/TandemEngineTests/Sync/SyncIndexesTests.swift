import ConnectorKit
import ConnectorKitTesting
import Testing

@testable import TandemEngine

/// The indexes a sync run looks referrers and join candidates up in are kept from one run to the next:
/// a reference changed by an import between runs, and metaverse values changed by a run, must still be
/// found by later runs, as a scan of everything would find them.
@Suite struct SyncIndexesTests {
    typealias Scenario = SyncScenarioTests

    func harness(_ hr: InMemoryConnector, _ directory: InMemoryConnector) async throws -> EngineHarness {
        try await EngineHarness(
            configuration: scenarioConfiguration(
                connectors: ["hr", "directory"], inbound: [Scenario.hrIn], outbound: [Scenario.directoryOut]),
            connectors: ["hr": hr, "directory": directory])
    }

    @Test func aReferenceRepointedByAnImportResolvesWhenItsNewTargetArrives() async throws {
        var report = Scenario.employee(2)
        report.attributes["manager"] = [.reference("E1")]
        let hr = Scenario.hr([Scenario.employee(1), report])
        let directory = Scenario.directory()
        let harness = try await harness(hr, directory)
        try await harness.cycle(initial: true)
        for _ in 0..<2 { try await harness.cycle() }
        // The report's manager becomes E3, who is not hired yet: the reference waits.
        hr.apply(.update(anchor: "E2", objectType: "person", changes: [.replace("manager", [.reference("E3")])]))
        try await harness.cycle()
        var state = await harness.state
        let reportMV = try #require(state.space("hr").objects["E2"]?.metaverseID)
        #expect(state.metaverse[reportMV]?.values("manager") == [])
        // E3 arrives in a later run; the index built before the repointing must know E2 refers to E3.
        hr.apply(.add(Scenario.employee(3)))
        for _ in 0..<3 { try await harness.cycle() }
        state = await harness.state
        let managerMV = try #require(state.space("hr").objects["E3"]?.metaverseID)
        #expect(state.metaverse[reportMV]?.values("manager") == [.reference(Anchor("mv:\(managerMV.rawValue)"))])
        #expect(directory.object("e2")?.attributes["manager"] == [.reference("e3")])
        #expect(try harness.replayedDigest() == state.stateDigest)
        await harness.close()
    }

    @Test func aJoinFindsAValueSetByAnEarlierRun() async throws {
        // E1 is projected by the first cycle; a second HR-like object with E1's employeeId must join it
        // through the metaverse index the first run left, not project a second person.
        let hr = Scenario.hr([Scenario.employee(1)])
        let directory = Scenario.directory()
        let harness = try await harness(hr, directory)
        try await harness.cycle(initial: true)
        hr.apply(.update(anchor: "E1", objectType: "person", changes: [.replace("title", [.string("Lead")])]))
        try await harness.cycle()
        hr.apply(.delete(anchor: "E1", objectType: "person"))
        var again = Scenario.employee(1)
        again.anchor = "E1-rehired"
        hr.apply(.add(again))
        try await harness.cycle()
        let state = await harness.state
        #expect(state.metaverse.count == 1)
        #expect(state.space("hr").objects["E1-rehired"]?.metaverseID != nil)
        #expect(try harness.replayedDigest() == state.stateDigest)
        await harness.close()
    }

    @Test func indexesSurviveRunsButNotAReplacedState() async throws {
        let hr = Scenario.hr((1...5).map { Scenario.employee($0) })
        let harness = try await harness(hr, Scenario.directory())
        try await harness.cycle(initial: true)
        #expect(await harness.engine.syncIndexes != nil)
        try await harness.reopen()
        #expect(await harness.engine.syncIndexes == nil)
        await harness.close()
    }
}
