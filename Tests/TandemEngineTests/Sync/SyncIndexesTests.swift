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

    /// A delta sync of a connector settled by a full sync finds the metaverse objects linked to its deleted
    /// objects from what the imports noted, without scanning the metaverse; an engine reopened before the
    /// delta sync has no such notes and scans. Both must end in the same state, including for an object
    /// deleted, imported again and deleted again between two syncs, and one deleted and imported again.
    @Test func holdersOfDeletedObjectsAreFoundAsAScanFindsThem() async throws {
        var digests: [String] = []
        for reopening in [false, true] {
            let hr = Scenario.hr((1...8).map { Scenario.employee($0) })
            let directory = Scenario.directory()
            let harness = try await harness(hr, directory)
            try await harness.cycle(initial: true)
            for _ in 0..<2 { try await harness.cycle() }
            if !reopening {
                #expect(await harness.engine.syncIndexes?.indexes.settledConnectors.contains("hr") == true)
            }
            hr.apply(.delete(anchor: "E2", objectType: "person"))
            hr.apply(.delete(anchor: "E3", objectType: "person"))
            hr.apply(.delete(anchor: "E4", objectType: "person"))
            try await harness.run(.deltaImport, "hr")
            hr.apply(.add(Scenario.employee(3, title: "Returned")))
            hr.apply(.add(Scenario.employee(4, status: "inactive")))
            try await harness.run(.deltaImport, "hr")
            hr.apply(.delete(anchor: "E3", objectType: "person"))
            try await harness.run(.deltaImport, "hr")
            if reopening { try await harness.reopen() }
            try await harness.run(.deltaSync, "hr")
            for _ in 0..<3 { try await harness.cycle() }
            hr.apply(.delete(anchor: "E4", objectType: "person"))
            hr.apply(.delete(anchor: "E5", objectType: "person"))
            try await harness.run(.deltaImport, "hr")
            if reopening { try await harness.reopen() }
            for _ in 0..<3 { try await harness.cycle() }
            let state = await harness.state
            #expect(
                state.metaverse.values.allSatisfy { object in
                    object.links.allSatisfy { state.space($0.connector).objects[$0.anchor] != nil }
                })
            #expect(try harness.replayedDigest() == state.stateDigest)
            digests.append(state.stateDigest)
            await harness.close()
        }
        #expect(digests[0] == digests[1])
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
