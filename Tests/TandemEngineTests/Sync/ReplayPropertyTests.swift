import ConnectorKit
import ConnectorKitTesting
import Testing

@testable import TandemEngine

/// Random workloads of imports, rule-driven syncs and exports: after each step, the live state
/// digest equals the digest of a replay of the journal.
@Suite struct ReplayPropertyTests {
    @Test(arguments: [101, 202, 303] as [UInt64])
    func liveStateAlwaysEqualsReplay(seed: UInt64) async throws {
        var random = SeededRandom(seed: seed)
        let hr = SyncScenarioTests.hr((1...20).map { SyncScenarioTests.employee($0) })
        let directory = SyncScenarioTests.directory()
        let groupsIn = InboundRule(
            name: "Groups in", connector: "groups", sourceType: "group", targetType: "group", precedence: 10,
            join: [[JoinCondition(source: "name", target: "name")]], projection: true,
            flows: flows([("name", "[name]"), ("members", "[members]")]))
        let groups = InMemoryConnector(
            options: .init(objectTypes: ["group"], referenceAttributes: ["members"]),
            objects: [
                ConnectorObject(
                    anchor: "G1", objectType: "group",
                    attributes: ["name": [.string("all")], "members": [.reference("E1"), .reference("E2")]])
            ])
        let harness = try await EngineHarness(
            configuration: scenarioConfiguration(
                connectors: ["groups", "hr", "directory"], inbound: [SyncScenarioTests.hrIn, groupsIn],
                outbound: [SyncScenarioTests.directoryOut],
                metaverse: ["person": .init(unique: ["mail"]), "group": .init()],
                threshold: DeletionThreshold(count: 3)),
            connectors: ["hr": hr, "directory": directory, "groups": groups])
        var next = 21
        for step in 0..<25 {
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<3:
                hr.apply(.add(SyncScenarioTests.employee(next)))
                next += 1
            case 3..<5:
                let anchor = Anchor("E\(Int.random(in: 1..<next, using: &random))")
                hr.apply(
                    .update(anchor: anchor, objectType: "person", changes: [.replace("title", [.string("T\(step)")])]))
            case 5:
                let anchor = Anchor("E\(Int.random(in: 1..<next, using: &random))")
                hr.apply(
                    .update(
                        anchor: anchor, objectType: "person",
                        changes: [.replace("status", [.string(Bool.random(using: &random) ? "active" : "terminated")])])
                )
            case 6:
                hr.apply(.delete(anchor: Anchor("E\(Int.random(in: 1..<next, using: &random))"), objectType: "person"))
            case 7:
                // A duplicate mail: quarantined, never a run failure.
                let anchor = Anchor("E\(Int.random(in: 1..<next, using: &random))")
                hr.apply(
                    .update(
                        anchor: anchor, objectType: "person",
                        changes: [.replace("mail", [.string("user1@example.org")])]))
            case 8:
                let members = (0..<3).map { _ in
                    AttributeValue.reference(Anchor("E\(Int.random(in: 1..<next, using: &random))"))
                }
                groups.apply(.update(anchor: "G1", objectType: "group", changes: [.replace("members", members)]))
            default:
                _ = try await harness.engine.approveDeletes(connector: "directory", anchors: nil)
            }
            let full = Int.random(in: 0..<4, using: &random) == 0
            try await harness.cycle(initial: full)
            let live = await harness.state.stateDigest
            #expect(try harness.replayedDigest() == live, "seed \(seed), step \(step)")
        }
        try await harness.reopen()
        #expect(try harness.replayedDigest() == (await harness.state.stateDigest))
        await harness.close()
    }
}
