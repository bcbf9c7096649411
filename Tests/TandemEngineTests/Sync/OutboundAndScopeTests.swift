import ConnectorKit
import ConnectorKitTesting
import Testing

@testable import TandemEngine

@Suite struct OutboundAndScopeTests {
    @Test func existingAccountsAreAdoptedByAnOutboundJoinNotProvisionedAgain() async throws {
        var out = SyncScenarioTests.directoryOut
        out.join = [[JoinCondition(source: "uid", target: "employeeId")]]
        let hr = SyncScenarioTests.hr((1...3).map { SyncScenarioTests.employee($0) })
        // The directory already holds an account for E2 (uid compared case-insensitively) with an old name.
        let directory = SyncScenarioTests.directory([person("e2", ["uid": "e2", "cn": "Old Name"])])
        let harness = try await EngineHarness(
            configuration: scenarioConfiguration(
                connectors: ["hr", "directory"], inbound: [SyncScenarioTests.hrIn], outbound: [out]),
            connectors: ["hr": hr, "directory": directory])
        try await harness.cycle(initial: true)
        #expect(directory.objects.map(\.anchor) == ["e1", "e2", "e3"])
        #expect(directory.object("e2")?["cn"] == .string("Given2 Surname2"))
        let adds = directory.exportCalls.flatMap { $0 }.filter { if case .add = $0 { true } else { false } }
        #expect(adds.count == 2)
        let state = await harness.state
        #expect(state.space("directory").objects["e2"]?.metaverseID == state.space("hr").objects["E2"]?.metaverseID)
        #expect(try harness.replayedDigest() == state.stateDigest)
        await harness.close()
    }

    @Test func deprovisioningByDisconnectLeavesTheObjectInPlace() async throws {
        var out = SyncScenarioTests.directoryOut
        out.deprovision = .disconnect
        let hr = SyncScenarioTests.hr([SyncScenarioTests.employee(1), SyncScenarioTests.employee(2)])
        let directory = SyncScenarioTests.directory()
        let harness = try await EngineHarness(
            configuration: scenarioConfiguration(
                connectors: ["hr", "directory"], inbound: [SyncScenarioTests.hrIn], outbound: [out]),
            connectors: ["hr": hr, "directory": directory])
        try await harness.cycle(initial: true)
        try await harness.cycle()
        hr.apply(.update(anchor: "E1", objectType: "person", changes: [.replace("status", [.string("terminated")])]))
        try await harness.cycle()
        try await harness.cycle()
        #expect(directory.object("e1") != nil, "disconnect never deletes")
        let state = await harness.state
        #expect(state.space("directory").objects["e1"]?.metaverseID == nil)
        #expect(state.metaverse.count == 1)
        await harness.close()
    }

    @Test(
        arguments: [
            (ScopingFilter.Operator.equal, ["Active"], ["active"], true),
            (.equal, ["active"], ["inactive"], false),
            (.notEqual, ["active"], ["inactive"], true),
            (.notEqual, ["active"], [], true),
            (.startsWith, ["cn=ad"], ["CN=Admins,dc=x"], true),
            (.endsWith, ["@example.org"], ["a@example.org"], true),
            (.endsWith, ["@example.org"], ["a@example.com"], false),
            (.contains, ["sales"], ["Global Sales Team"], true),
            (.present, [], ["x"], true),
            (.present, [], [], false),
            (.absent, [], [], true),
            (.in, ["berlin", "lisbon"], ["Lisbon"], true),
            (.in, ["berlin", "lisbon"], ["Paris"], false),
            (.memberOf, ["G-sales"], ["G-finance", "g-sales"], true),
            (.memberOf, ["G-sales"], ["G-finance"], false),
        ] as [(ScopingFilter.Operator, [String], [String], Bool)])
    func scopingOperators(op: ScopingFilter.Operator, values: [String], attribute: [String], expected: Bool) {
        let filter = ScopingFilter(groups: [[.init(attribute: "a", op: op, values: values)]])
        #expect(filter.matches { $0 == "a" ? attribute.map { .string($0) } : [] } == expected)
    }

    @Test func scopeIsAnOrOfAndGroups() {
        let filter = ScopingFilter(groups: [
            [
                .init(attribute: "status", op: .equal, values: ["active"]),
                .init(attribute: "type", op: .equal, values: ["employee"]),
            ],
            [.init(attribute: "type", op: .equal, values: ["contractor"])],
        ])
        func matches(_ attributes: [String: String]) -> Bool {
            filter.matches { attributes[$0].map { [.string($0)] } ?? [] }
        }
        #expect(matches(["status": "active", "type": "employee"]))
        #expect(!matches(["status": "inactive", "type": "employee"]))
        #expect(matches(["status": "inactive", "type": "contractor"]))
        #expect(ScopingFilter().matches { _ in [] })
    }
}

@Suite struct LargePageTests {
    /// A connector page larger than one journal event may hold is split across events.
    @Test func aLargeImportPageIsSplitAcrossJournalEvents() async throws {
        let big = String(repeating: "x", count: 9_000)
        let hr = InMemoryConnector(
            options: .init(objectTypes: ["person"], pageSize: 5_000),
            objects: (1...2_500).map { person("E\($0)", ["employeeId": "E\($0)", "status": "active", "notes": big]) })
        let harness = try await EngineHarness(
            configuration: scenarioConfiguration(connectors: ["hr"], inbound: [SyncScenarioTests.hrIn]),
            connectors: ["hr": hr])
        let finished = try await harness.run(.fullImport, "hr")
        #expect(finished.status == .success)
        #expect(finished.statistics.adds == 2_500)
        let state = await harness.state
        #expect(state.space("hr").objects.count == 2_500)
        #expect(state.space("hr").watermark != nil)
        #expect(try harness.replayedDigest() == state.stateDigest)
        await harness.close()
    }
}
