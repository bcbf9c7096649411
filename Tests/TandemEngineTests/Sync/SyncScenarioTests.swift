import ConnectorKit
import ConnectorKitTesting
import Testing

@testable import TandemEngine

/// Scenario tests of the rules, end to end through the engine: in-memory connected systems, a
/// real journal, real expressions. Every scenario also checks that replaying the journal gives
/// the live state's digest.
@Suite struct SyncScenarioTests {
    static let hrIn = InboundRule(
        name: "HR in", connector: "hr", sourceType: "person", targetType: "person", precedence: 10,
        scope: ScopingFilter(groups: [[.init(attribute: "status", op: .equal, values: ["active"])]]),
        join: [[JoinCondition(source: "employeeId", target: "employeeId")]], projection: true,
        flows: flows([
            ("employeeId", "[employeeId]"), ("displayName", #"Trim([givenName] & " " & [surname])"#),
            ("mail", "Lower([mail])"), ("title", "[title]"), ("manager", "[manager]"),
        ]))

    static let directoryOut = OutboundRule(
        name: "Directory out", connector: "directory", sourceType: "person", targetType: "person", provision: true,
        deprovision: .delete,
        flows: flows([
            ("uid", "Lower([employeeId])"), ("cn", "[displayName]"), ("mail", "[mail]"), ("manager", "[manager]"),
        ]))

    static func hr(_ objects: [ConnectorObject]) -> InMemoryConnector {
        InMemoryConnector(options: .init(objectTypes: ["person"], referenceAttributes: ["manager"]), objects: objects)
    }

    static func directory(_ objects: [ConnectorObject] = []) -> InMemoryConnector {
        InMemoryConnector(
            options: .init(objectTypes: ["person"], anchorAttribute: "uid", referenceAttributes: ["manager"]),
            objects: objects)
    }

    static func employee(_ n: Int, status: String = "active", title: String = "Engineer") -> ConnectorObject {
        person(
            "E\(n)",
            [
                "employeeId": "E\(n)", "givenName": "Given\(n)", "surname": "Surname\(n)",
                "mail": "User\(n)@Example.org", "status": status, "title": title,
            ])
    }

    @Test func projectionFlowsAndProvisioningReachTheTarget() async throws {
        let hr = Self.hr((1...3).map { Self.employee($0) })
        let directory = Self.directory()
        let harness = try await EngineHarness(
            configuration: scenarioConfiguration(
                connectors: ["hr", "directory"], inbound: [Self.hrIn], outbound: [Self.directoryOut]),
            connectors: ["hr": hr, "directory": directory])
        let results = try await harness.cycle(initial: true)
        #expect(results.allSatisfy { $0.status == .success }, "\(results)")
        #expect(directory.objects.map(\.anchor) == ["e1", "e2", "e3"])
        let account = try #require(directory.object("e2"))
        #expect(account["cn"] == .string("Given2 Surname2"))
        #expect(account["mail"] == .string("user2@example.org"))
        let state = await harness.state
        #expect(state.metaverse.count == 3)
        #expect(state.space("directory").unconfirmedExports.count == 3)
        // The next import confirms the exports.
        try await harness.cycle()
        let confirmed = await harness.state
        #expect(confirmed.space("directory").unconfirmedExports.isEmpty)
        #expect(confirmed.space("directory").pendingExports.isEmpty)
        #expect(confirmed.space("directory").objects.values.allSatisfy { !$0.isPendingAdd && $0.metaverseID != nil })
        #expect(try harness.replayedDigest() == confirmed.stateDigest)
        await harness.close()
    }

    /// An import that finds exported objects exactly as exported journals their anchors, not the objects again;
    /// one that finds a changed value journals the object.
    @Test func anImportJournalsAConfirmedExportAsItsAnchor() async throws {
        let hr = Self.hr((1...3).map { Self.employee($0) })
        let directory = Self.directory()
        let harness = try await EngineHarness(
            configuration: scenarioConfiguration(
                connectors: ["hr", "directory"], inbound: [Self.hrIn], outbound: [Self.directoryOut]),
            connectors: ["hr": hr, "directory": directory])
        try await harness.cycle(initial: true)
        directory.apply(.update(anchor: "e2", objectType: "person", changes: [.replace("cn", [.string("Changed")])]))
        let before = await harness.state.lastSeq
        try await harness.run(.fullImport, "directory")
        let changes = try harness.importedChanges(after: before)
        #expect(changes.filter { if case .confirm = $0 { true } else { false } }.map(\.anchor) == ["e1", "e3"])
        #expect(changes.filter { if case .upsert = $0 { true } else { false } }.map(\.anchor) == ["e2"])
        let state = await harness.state
        #expect(state.space("directory").unconfirmedExports.isEmpty)
        #expect(state.space("directory").objects.values.allSatisfy { !$0.isPendingAdd })
        #expect(try harness.replayedDigest() == state.stateDigest)
        // Confirmed once: the next import finds nothing to journal.
        let after = await harness.state.lastSeq
        try await harness.run(.fullImport, "directory")
        #expect(try harness.importedChanges(after: after).isEmpty)
        await harness.close()
    }

    @Test func leaversAreDeprovisionedAndTheirMetaverseObjectDeleted() async throws {
        let hr = Self.hr((1...4).map { Self.employee($0) })
        let directory = Self.directory()
        let harness = try await EngineHarness(
            configuration: scenarioConfiguration(
                connectors: ["hr", "directory"], inbound: [Self.hrIn], outbound: [Self.directoryOut]),
            connectors: ["hr": hr, "directory": directory])
        try await harness.cycle(initial: true)
        try await harness.cycle()
        hr.apply(.update(anchor: "E2", objectType: "person", changes: [.replace("status", [.string("terminated")])]))
        hr.apply(.delete(anchor: "E3", objectType: "person"))
        try await harness.cycle()
        #expect(directory.objects.map(\.anchor) == ["e1", "e4"])
        try await harness.cycle()
        let state = await harness.state
        #expect(state.metaverse.count == 2)
        #expect(state.space("directory").objects.count == 2)
        #expect(try harness.replayedDigest() == state.stateDigest)
        await harness.close()
    }

    /// An add that was exported but not yet confirmed by an import is a real object in the target:
    /// syncing again must not stage the add twice, and a leaver in that window must be deleted there,
    /// not forgotten with the object left behind (a leaver keeping access).
    @Test func anExportedButUnconfirmedAddIsDeletedWhenItsPersonLeaves() async throws {
        let hr = Self.hr((1...3).map { Self.employee($0) })
        let directory = Self.directory()
        let harness = try await EngineHarness(
            configuration: scenarioConfiguration(
                connectors: ["hr", "directory"], inbound: [Self.hrIn], outbound: [Self.directoryOut]),
            connectors: ["hr": hr, "directory": directory])
        try await harness.cycle(initial: true)
        #expect(directory.objects.map(\.anchor) == ["e1", "e2", "e3"])
        // A sync before the directory is imported again stages nothing new.
        try await harness.run(.fullSync, "hr")
        #expect(await harness.state.space("directory").pendingExports.isEmpty)
        // E2 leaves; the directory is still not re-imported before its export runs.
        hr.apply(.update(anchor: "E2", objectType: "person", changes: [.replace("status", [.string("terminated")])]))
        try await harness.run(.deltaImport, "hr")
        try await harness.run(.deltaSync, "hr")
        let staged = await harness.state.space("directory").pendingExports
        #expect(staged.mapValues(\.operation) == ["e2": .delete])
        try await harness.run(.export, "directory")
        #expect(directory.objects.map(\.anchor) == ["e1", "e3"])
        try await harness.cycle()
        let state = await harness.state
        #expect(state.space("directory").objects.keys.sorted() == ["e1", "e3"])
        #expect(state.space("directory").pendingExports.isEmpty)
        #expect(try harness.replayedDigest() == state.stateDigest)
        await harness.close()
    }

    @Test func renamesAndAttributeChangesFlowAsUpdates() async throws {
        let hr = Self.hr([Self.employee(1)])
        let directory = Self.directory()
        let harness = try await EngineHarness(
            configuration: scenarioConfiguration(
                connectors: ["hr", "directory"], inbound: [Self.hrIn], outbound: [Self.directoryOut]),
            connectors: ["hr": hr, "directory": directory])
        try await harness.cycle(initial: true)
        try await harness.cycle()
        hr.apply(.update(anchor: "E1", objectType: "person", changes: [.replace("surname", [.string("Hopper")])]))
        try await harness.cycle()
        #expect(directory.object("e1")?["cn"] == .string("Given1 Hopper"))
        let updates = directory.exportCalls.last ?? []
        #expect(
            updates == [
                .update(anchor: "e1", objectType: "person", changes: [.replace("cn", [.string("Given1 Hopper")])])
            ])
        await harness.close()
    }

    @Test func theLowestPrecedenceWinsAndAuthoritativeNullBlocks() async throws {
        let badgeIn = InboundRule(
            name: "Badge in", connector: "badge", sourceType: "person", targetType: "person", precedence: 5,
            join: [[JoinCondition(source: "employeeId", target: "employeeId")]],
            flows: flows([
                ("title", #"IIF([title] = "none", AuthoritativeNull, IIF(IsPresent([title]), [title], NULL))"#)
            ]))
        let hr = Self.hr([Self.employee(1, title: "Engineer")])
        let badge = InMemoryConnector(
            options: .init(objectTypes: ["person"]),
            objects: [person("B1", ["employeeId": "E1", "title": "Badge Title"])])
        let harness = try await EngineHarness(
            configuration: scenarioConfiguration(connectors: ["hr", "badge"], inbound: [Self.hrIn, badgeIn]),
            connectors: ["hr": hr, "badge": badge])
        try await harness.cycle(initial: true)
        func title() async -> MetaverseValue? { await harness.state.metaverse.values.first?.attributes["title"] }
        #expect(await title()?.values == [.string("Badge Title")])
        #expect(await title()?.contributor.rule == "Badge in")
        // NULL from the stronger rule lets the weaker one's value through.
        badge.apply(.update(anchor: "B1", objectType: "person", changes: [.replace("title", [])]))
        try await harness.cycle()
        #expect(await title()?.values == [.string("Engineer")])
        #expect(await title()?.contributor.rule == "HR in")
        // AuthoritativeNull removes the value and blocks the weaker rule.
        badge.apply(.update(anchor: "B1", objectType: "person", changes: [.replace("title", [.string("none")])]))
        try await harness.cycle()
        #expect(await title()?.isAuthoritativeNull == true)
        #expect(await harness.state.metaverse.values.first?.values("title") == [])
        let state = await harness.state
        #expect(state.metaverse.count == 1)
        #expect(state.metaverse.values.first?.links.count == 2)
        #expect(try harness.replayedDigest() == state.stateDigest)
        await harness.close()
    }

    @Test func anAmbiguousJoinIsASyncErrorNotARunFailure() async throws {
        let badgeIn = InboundRule(
            name: "Badge in", connector: "badge", sourceType: "person", targetType: "person", precedence: 20,
            join: [[JoinCondition(source: "lastName", target: "surname")]],
            flows: flows([("badge", "[badgeNumber]")]))
        var hrIn = Self.hrIn
        hrIn.flows += flows([("surname", "[surname]")])
        let hr = Self.hr([
            person("E1", ["employeeId": "E1", "surname": "Smith", "status": "active"]),
            person("E2", ["employeeId": "E2", "surname": "Smith", "status": "active"]),
            person("E3", ["employeeId": "E3", "surname": "Jones", "status": "active"]),
        ])
        let badge = InMemoryConnector(
            options: .init(objectTypes: ["person"]),
            objects: [
                person("B1", ["lastName": "smith", "badgeNumber": "1"]),
                person("B2", ["lastName": "Jones", "badgeNumber": "2"]),
            ])
        let harness = try await EngineHarness(
            configuration: scenarioConfiguration(connectors: ["hr", "badge"], inbound: [hrIn, badgeIn]),
            connectors: ["hr": hr, "badge": badge])
        let results = try await harness.cycle(initial: true)
        let badgeSync = results[3]
        #expect(badgeSync.status == .completedWithErrors)
        #expect(badgeSync.statistics.errors == 1)
        #expect(badgeSync.statistics.joins == 1)
        let error = await harness.state.space("badge").errors["B1"]
        #expect(
            error
                == SyncErrorRecord(
                    rule: "Badge in", code: "ambiguous-join",
                    message: "join rule matches 2 metaverse objects; exactly one is needed"))
        await harness.close()
    }

    @Test func aDuplicateUniqueValueQuarantinesTheObject() async throws {
        let hr = Self.hr([
            person("E1", ["employeeId": "E1", "mail": "same@example.org", "status": "active"]),
            person("E2", ["employeeId": "E2", "mail": "SAME@example.org", "status": "active"]),
            person("E3", ["employeeId": "E3", "mail": "other@example.org", "status": "active"]),
        ])
        let harness = try await EngineHarness(
            configuration: scenarioConfiguration(
                connectors: ["hr"], inbound: [Self.hrIn], metaverse: ["person": .init(unique: ["mail"])]),
            connectors: ["hr": hr])
        let results = try await harness.cycle(initial: true)
        #expect(results[1].status == .completedWithErrors)
        let state = await harness.state
        #expect(state.space("hr").errors["E2"]?.code == "duplicate-value")
        #expect(
            state.space("hr").errors["E2"]?.message
                == "mail would duplicate the value held by metaverse object mv:1; mail must be unique")
        let mails = state.metaverse.values.compactMap { $0.values("mail").first?.text }.sorted()
        #expect(mails == ["other@example.org", "same@example.org"])
        // Fixing the source clears the error on the next sync.
        hr.apply(.update(anchor: "E2", objectType: "person", changes: [.replace("mail", [.string("new@example.org")])]))
        try await harness.cycle()
        #expect(await harness.state.space("hr").errors.isEmpty)
        await harness.close()
    }

    @Test(arguments: [true, false])
    func referencesResolveInEitherArrivalOrder(managerFirst: Bool) async throws {
        var report = Self.employee(2)
        report.attributes["manager"] = [.reference("E1")]
        let manager = Self.employee(1)
        let hr = Self.hr(managerFirst ? [manager] : [report])
        let directory = Self.directory()
        let harness = try await EngineHarness(
            configuration: scenarioConfiguration(
                connectors: ["hr", "directory"], inbound: [Self.hrIn], outbound: [Self.directoryOut]),
            connectors: ["hr": hr, "directory": directory])
        try await harness.cycle(initial: true)
        hr.apply(.add(managerFirst ? report : manager))
        for _ in 0..<3 { try await harness.cycle() }
        let state = await harness.state
        let reportMV = try #require(state.space("hr").objects["E2"]?.metaverseID)
        let managerMV = try #require(state.space("hr").objects["E1"]?.metaverseID)
        #expect(state.metaverse[reportMV]?.values("manager") == [.reference(Anchor("mv:\(managerMV.rawValue)"))])
        #expect(directory.object("e2")?.attributes["manager"] == [.reference("e1")])
        #expect(try harness.replayedDigest() == state.stateDigest)
        await harness.close()
    }

    /// A direct flow (`[name]`) of plain values hands on the connector-space object's bytes; one over values a
    /// flow changes (empty strings left out, references translated) is evaluated instead. Both must give what the
    /// expression means, in and out, and replay the same.
    @Test func directFlowsPassOnValuesExactlyAsTheExpressionMeansThem() async throws {
        var first = Self.employee(1)
        first.attributes["phones"] = [.string("+1 555 0100"), .string(""), .string("+1 555 0101")]
        first.attributes["nickname"] = [.string("")]
        first.attributes["level"] = [.integer(7), .integer(-3)]
        first.attributes["badge"] = [.binary([0, 1, 255])]
        first.attributes["hired"] = [.date(microsecondsSince1970: 1_700_000_000_000_000)]
        first.attributes["remote"] = [.boolean(true)]
        var second = Self.employee(2)
        second.attributes["manager"] = [.reference("E1")]
        second.attributes["nickname"] = [.string("Sam")]
        let direct = ["employeeId", "phones", "nickname", "level", "badge", "hired", "remote", "manager"]
        var inbound = Self.hrIn
        inbound.flows = flows(direct.map { ($0, "[\($0)]") })
        var outbound = Self.directoryOut
        outbound.flows = flows([("uid", "Lower([employeeId])")] + direct.dropFirst().map { ($0, "[\($0)]") })
        let hr = Self.hr([first, second])
        let directory = Self.directory()
        let harness = try await EngineHarness(
            configuration: scenarioConfiguration(
                connectors: ["hr", "directory"], inbound: [inbound], outbound: [outbound]),
            connectors: ["hr": hr, "directory": directory])
        try await harness.cycle(initial: true)
        let state = await harness.state
        let one = try #require(state.space("hr").objects["E1"]?.metaverseID.flatMap { state.metaverse[$0] })
        let two = try #require(state.space("hr").objects["E2"]?.metaverseID.flatMap { state.metaverse[$0] })
        #expect(one.values("phones") == [.string("+1 555 0100"), .string("+1 555 0101")], "empty strings left out")
        #expect(!one.attributes.contains("nickname"), "only an empty string: the flow contributes nothing")
        #expect(one.values("level") == [.integer(7), .integer(-3)])
        #expect(one.values("badge") == [.binary([0, 1, 255])])
        #expect(one.values("hired") == [.date(microsecondsSince1970: 1_700_000_000_000_000)])
        #expect(one.values("remote") == [.boolean(true)])
        #expect(two.values("manager") == [.reference(Anchor("mv:\(one.id.rawValue)"))], "a reference is translated")
        #expect(two.values("nickname") == [.string("Sam")])
        // The same values leave for the directory, the reference as the directory's anchor.
        let account = try #require(directory.object("e1"))
        #expect(account.attributes["phones"] == [.string("+1 555 0100"), .string("+1 555 0101")])
        #expect(account.attributes["nickname"] == nil)
        #expect(account.attributes["level"] == [.integer(7), .integer(-3)])
        for _ in 0..<2 { try await harness.cycle() }
        #expect(directory.object("e2")?.attributes["manager"] == [.reference("e1")])
        #expect(try harness.replayedDigest() == (await harness.state).stateDigest)
        await harness.close()
    }

    @Test func theDeletionThresholdHoldsDeletesButLetsAddsThrough() async throws {
        let hr = Self.hr((1...6).map { Self.employee($0) })
        let directory = Self.directory()
        let harness = try await EngineHarness(
            configuration: scenarioConfiguration(
                connectors: ["hr", "directory"], inbound: [Self.hrIn], outbound: [Self.directoryOut],
                threshold: DeletionThreshold(count: 2)),
            connectors: ["hr": hr, "directory": directory])
        try await harness.cycle(initial: true)
        try await harness.cycle()
        for n in 1...3 { hr.apply(.delete(anchor: Anchor("E\(n)"), objectType: "person")) }
        hr.apply(.add(Self.employee(7)))
        let results = try await harness.cycle()
        let export = results.last { $0.statistics.adds > 0 || $0.status == .deletesHeld }
        #expect(export?.status == .deletesHeld)
        #expect(export?.message.hasPrefix("3 deletes exceed the deletion threshold and are held") == true)
        #expect(directory.object("e7") != nil, "the hire was exported while deletes were held")
        #expect(directory.objects.count == 7)
        var state = await harness.state
        #expect(state.space("directory").heldDeletes == ["e1", "e2", "e3"])
        // Approve a reviewed subset: only those go.
        #expect(try await harness.engine.approveDeletes(connector: "directory", anchors: ["e1", "e2"]) == 2)
        try await harness.run(.export, "directory")
        #expect(directory.object("e1") == nil && directory.object("e2") == nil)
        #expect(directory.object("e3") != nil)
        state = await harness.state
        #expect(state.space("directory").heldDeletes == ["e3"])
        #expect(try harness.replayedDigest() == state.stateDigest)
        await harness.close()
    }

    @Test func anUnconfirmedExportIsExportedAgain() async throws {
        let hr = Self.hr([Self.employee(1)])
        let directory = Self.directory()
        let harness = try await EngineHarness(
            configuration: scenarioConfiguration(
                connectors: ["hr", "directory"], inbound: [Self.hrIn], outbound: [Self.directoryOut]),
            connectors: ["hr": hr, "directory": directory])
        try await harness.cycle(initial: true)
        try await harness.cycle()
        // Someone changes the account behind Tandem's back: the next cycle puts Tandem's value back.
        directory.apply(.update(anchor: "e1", objectType: "person", changes: [.replace("cn", [.string("Tampered")])]))
        try await harness.cycle()
        #expect(directory.object("e1")?["cn"] == .string("Given1 Surname1"))
        // A failed export stays pending and is retried by the next export.
        hr.apply(.update(anchor: "E1", objectType: "person", changes: [.replace("givenName", [.string("Ada")])]))
        directory.failNextExport(of: "e1", with: ConnectorError(.constraint, "rejected"))
        let results = try await harness.cycle()
        #expect(results.last?.status == .completedWithErrors)
        #expect(await harness.state.space("directory").pendingExports["e1"] != nil)
        try await harness.run(.export, "directory")
        #expect(directory.object("e1")?["cn"] == .string("Ada Surname1"))
        await harness.close()
    }

    @Test func theStateSurvivesReopeningFromTheJournal() async throws {
        let hr = Self.hr((1...5).map { Self.employee($0) })
        let directory = Self.directory()
        let harness = try await EngineHarness(
            configuration: scenarioConfiguration(
                connectors: ["hr", "directory"], inbound: [Self.hrIn], outbound: [Self.directoryOut]),
            connectors: ["hr": hr, "directory": directory])
        try await harness.cycle(initial: true)
        let before = await harness.state.stateDigest
        #expect(await harness.state.configurationHash == harness.configuration.versionHash)
        try await harness.reopen()
        #expect(await harness.state.stateDigest == before)
        try await harness.cycle()
        #expect(await harness.state.space("directory").pendingExports.isEmpty)
        await harness.close()
    }
}
