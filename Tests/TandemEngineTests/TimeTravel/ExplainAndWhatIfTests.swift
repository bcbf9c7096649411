import ConnectorKit
import ConnectorKitTesting
import Foundation
import TandemJournal
import Testing

@testable import TandemEngine

/// `explain` names the right contributor at each point in time; `whatif` predicts exactly the
/// exports (here: the held deletes) that the real run then makes.
@Suite struct ExplainAndWhatIfTests {
    @Test func explainGivesTheContributorAtEachPointInTime() async throws {
        let badgeIn = InboundRule(
            name: "Badge in", connector: "badge", sourceType: "person", targetType: "person", precedence: 5,
            join: [[JoinCondition(source: "employeeId", target: "employeeId")]],
            flows: flows([
                ("title", #"IIF([title] = "none", AuthoritativeNull, IIF(IsPresent([title]), [title], NULL))"#)
            ]))
        let hr = SyncScenarioTests.hr([SyncScenarioTests.employee(1, title: "Engineer")])
        let badge = InMemoryConnector(
            options: .init(objectTypes: ["person"]),
            objects: [person("B1", ["employeeId": "E1", "title": "Badge Title"])])
        let harness = try await EngineHarness(
            configuration: scenarioConfiguration(
                connectors: ["hr", "badge"], inbound: [SyncScenarioTests.hrIn, badgeIn]),
            connectors: ["hr": hr, "badge": badge], checkpointInterval: 4)
        let journal = harness.directory + "/journal"
        var points: [(seq: UInt64, time: Int64)] = []
        func mark() async throws {
            let seq = await harness.state.lastSeq
            let time = try JournalReader(directory: journal).events(in: seq...seq)[0].event.timeMicroseconds
            points.append((seq, time))
            try await Task.sleep(for: .milliseconds(3))
        }
        try await harness.cycle(initial: true)
        try await mark()
        badge.apply(.update(anchor: "B1", objectType: "person", changes: [.replace("title", [])]))
        try await harness.cycle()
        try await mark()
        badge.apply(.update(anchor: "B1", objectType: "person", changes: [.replace("title", [.string("none")])]))
        try await harness.cycle()
        try await mark()

        let expected:
            [(rule: String, values: [AttributeValue], authoritativeNull: Bool, anchor: Anchor, source: String)] =
                [
                    ("Badge in", [.string("Badge Title")], false, "B1", "Badge Title"),
                    ("HR in", [.string("Engineer")], false, "E1", "Engineer"),
                    ("Badge in", [], true, "B1", "none"),
                ]
        let reader = try JournalReader(directory: journal)
        for (index, want) in expected.enumerated() {
            let point = points[index]
            // --at TIME resolves to the last event at or before it.
            let seq = try #require(try EngineReplay.lastSeq(atOrBefore: point.time, reader: reader))
            #expect(seq == point.seq)
            let explanation = try Explainer.explain(
                directory: journal, checkpoints: harness.checkpoints,
                subject: .connectorObject(connector: "hr", anchor: "E1"), attribute: "title", asOf: seq,
                configuration: harness.configuration)
            #expect(explanation.attributes.count == 1)
            let origin = try #require(explanation.attributes.first)
            #expect(origin.contributor.rule == want.rule, "at seq \(seq)")
            #expect(origin.contributor.anchor == want.anchor)
            #expect(origin.values == want.values)
            #expect(origin.isAuthoritativeNull == want.authoritativeNull)
            #expect(origin.sourceValues == ["title": [.string(want.source)]])
            #expect(origin.flow != nil)
            // The event that set it lies between the previous point and this one.
            let setAt = try #require(origin.seq)
            #expect(setAt <= point.seq && setAt > (index > 0 ? points[index - 1].seq : 0))
        }
        // The history lists each change of the title with its seq and run, oldest first.
        let full = try Explainer.explain(
            directory: journal, checkpoints: harness.checkpoints, subject: .metaverse(MetaverseID(1)),
            attribute: "title")
        let titleChanges = full.history.filter { $0.attribute == "title" }
        #expect(titleChanges.map(\.contributor?.rule) == ["HR in", "Badge in", "HR in", "Badge in"])
        #expect(titleChanges.allSatisfy { $0.runID != nil })
        #expect(zip(titleChanges, titleChanges.dropFirst()).allSatisfy { $0.seq <= $1.seq })
        await harness.close()
    }

    @Test func whatIfPredictsTheDeletesTheRealRunHolds() async throws {
        let hr = SyncScenarioTests.hr((1...12).map { SyncScenarioTests.employee($0) })
        let directory = SyncScenarioTests.directory()
        let configuration = scenarioConfiguration(
            connectors: ["hr", "directory"], inbound: [SyncScenarioTests.hrIn],
            outbound: [SyncScenarioTests.directoryOut], threshold: DeletionThreshold(count: 3))
        let harness = try await EngineHarness(
            configuration: configuration, connectors: ["hr": hr, "directory": directory])
        try await harness.cycle(initial: true)
        try await harness.cycle()  // confirms the exports by importing them
        #expect(directory.objects.count == 12)

        // The candidate narrows the scope: only employees whose ID starts with E1 (E1, E10, E11, E12).
        var narrowed = SyncScenarioTests.hrIn
        narrowed.scope = ScopingFilter(groups: [
            [
                .init(attribute: "status", op: .equal, values: ["active"]),
                .init(attribute: "employeeId", op: .startsWith, values: ["E1"]),
            ]
        ])
        var candidate = harness.configuration
        candidate.inboundRules = [narrowed]
        let state = await harness.state
        let digest = state.stateDigest
        let lastSeq = state.lastSeq
        let report = try WhatIf.compare(state: state, current: harness.configuration, candidate: candidate)
        #expect(await harness.state.lastSeq == lastSeq, "whatif writes nothing")
        #expect(try harness.replayedDigest() == digest)
        let differences = try #require(report.connectors.first { $0.connector == "directory" })
        let predicted = Set(differences.deletes.map(\.anchor))
        #expect(predicted == Set(["e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9"]))
        #expect(differences.adds.isEmpty && differences.updates.isEmpty)
        #expect(differences.deletesWouldBeHeld)

        // Now for real: the same journal under the candidate rules.
        await harness.close()
        var options = JournalOptions()
        options.logger.logLevel = .warning
        let journal = try Journal.open(directory: harness.directory + "/journal", options: options)
        var logger = engineLogger
        logger.logLevel = .error
        let engine = try SyncEngine(
            configuration: candidate, journal: journal, connectors: ["hr": hr, "directory": directory],
            compile: ExpressionLanguage.flowCompiler, logger: logger)
        try await engine.run(.fullSync, connector: "hr")
        let export = try await engine.run(.export, connector: "directory")
        #expect(export.status == .deletesHeld)
        #expect(await engine.state.space("directory").heldDeletes == predicted)
        #expect(directory.objects.count == 12, "nothing was deleted")
        await journal.close()
    }
}
