import ConnectorKit
import ConnectorKitTesting
import TandemJournal
import Testing

@testable import TandemEngine

@Suite struct ExportReconciliationTests {
    /// The active dies after the second export batch reached the directory but before its result
    /// was recorded; the journal (as a staging server holds it) is promoted under epoch 2.
    @Test func inDoubtAddsAreAdoptedNotAddedTwiceAfterAForcedPromotion() async throws {
        let (rig, hr, directory) = PromotionRig.hrToDirectory()
        defer { rig.remove() }
        do {
            let (journal, engine) = try rig.open(["hr": hr, "directory": CrashingConnector(directory, crashOnCall: 2)])
            await #expect(throws: SimulatedCrash.self) { try await engine.cycle(initial: true) }
            await journal.close()
        }
        #expect(directory.objects.count == 4, "two batches reached the directory")

        let (journal, engine) = try rig.open(["hr": hr, "directory": directory])
        try await engine.beginEpoch(2)
        #expect(await engine.state.space("directory").inDoubtExports.count == 2)
        let run = try await engine.run(.export, connector: "directory")
        #expect(run.status == .success)
        #expect(directory.addedUIDs().sorted() == ["e1", "e2", "e3", "e4", "e5"], "every add exactly once")
        #expect(directory.objects.map(\.anchor) == ["e1", "e2", "e3", "e4", "e5"])
        let state = await engine.state
        #expect(state.space("directory").inDoubtExports.isEmpty)
        #expect(state.space("directory").pendingExports.isEmpty)
        #expect(state.space("directory").objects.keys.sorted() == ["e1", "e2", "e3", "e4", "e5"])
        let profiles = state.runs.suffix(3).map(\.profile)
        #expect(profiles == [.deltaImport, .deltaSync, .export], "a confirming import and sync came first")
        // The next cycle finds nothing more to do.
        try await engine.cycle(initial: false)
        #expect(directory.addedUIDs().count == 5)
        let final = await engine.state
        await journal.close()
        #expect(try EngineReplay.replay(directory: rig.journalDirectory).stateDigest == final.stateDigest)
    }

    @Test func inDoubtUpdatesThatTookAreNotExportedAgainAndThoseThatDidNotAre() async throws {
        let (rig, hr, directory) = PromotionRig.hrToDirectory(employees: 4)
        defer { rig.remove() }
        do {
            let (journal, engine) = try rig.open(["hr": hr, "directory": directory])
            try await engine.cycle(initial: true)
            try await engine.cycle(initial: false)
            await journal.close()
        }
        for n in 1...4 {
            hr.apply(
                .update(
                    anchor: Anchor("E\(n)"), objectType: "person", changes: [.replace("surname", [.string("New\(n)")])])
            )
        }
        let callsBefore = directory.exportCalls.count
        do {
            // The first batch (e1, e2) takes and the process dies; e3 and e4 were never attempted.
            let (journal, engine) = try rig.open(["hr": hr, "directory": CrashingConnector(directory, crashOnCall: 1)])
            try await engine.run(.deltaImport, connector: "hr")
            try await engine.run(.deltaSync, connector: "hr")
            await #expect(throws: SimulatedCrash.self) { try await engine.run(.export, connector: "directory") }
            await journal.close()
        }
        let (journal, engine) = try rig.open(["hr": hr, "directory": directory])
        try await engine.beginEpoch(2)
        let run = try await engine.run(.export, connector: "directory")
        #expect(run.status == .success)
        let updated = directory.exportCalls[callsBefore...].flatMap { $0 }.compactMap { change -> Anchor? in
            if case .update(let anchor, _, _) = change { anchor } else { nil }
        }
        #expect(updated.sorted() == ["e1", "e2", "e3", "e4"], "each update exactly once: \(updated)")
        for n in 1...4 { #expect(directory.object(Anchor("e\(n)"))?["cn"] == .string("Given\(n) New\(n)")) }
        let state = await engine.state
        #expect(state.space("directory").pendingExports.isEmpty)
        await journal.close()
        #expect(try EngineReplay.replay(directory: rig.journalDirectory).stateDigest == state.stateDigest)
    }

    @Test func aFencedServerDoesNotEvenImportToReconcile() async throws {
        let (rig, hr, directory) = PromotionRig.hrToDirectory()
        defer { rig.remove() }
        do {
            let (journal, engine) = try rig.open(["hr": hr, "directory": CrashingConnector(directory, crashOnCall: 1)])
            await #expect(throws: SimulatedCrash.self) { try await engine.cycle(initial: true) }
            await journal.close()
        }
        let (journal, engine) = try rig.open(["hr": hr, "directory": directory])
        await engine.setExportPermit(CountingPermit(grants: 0))
        let runsBefore = await engine.state.runs.count
        let run = try await engine.run(.export, connector: "directory")
        #expect(run.status == .fenced)
        #expect(await engine.state.runs.count == runsBefore + 1, "no confirming import or sync ran")
        #expect(await engine.state.space("directory").inDoubtExports.count == 2)
        await journal.close()
    }

    @Test func epochsOnlyGrow() async throws {
        let (rig, hr, directory) = PromotionRig.hrToDirectory()
        defer { rig.remove() }
        let (journal, engine) = try rig.open(["hr": hr, "directory": directory])
        try await engine.beginEpoch(3)
        await #expect(throws: EngineError.self) { try await engine.beginEpoch(3) }
        var state = EngineState()
        try state.apply(.epochStarted(epoch: 2), seq: 1, timeMicroseconds: 0)
        #expect(throws: EngineError.self) { try state.apply(.epochStarted(epoch: 2), seq: 2, timeMicroseconds: 0) }
        await journal.close()
        let replayed = try EngineReplay.replay(directory: rig.journalDirectory)
        #expect(replayed.epoch == 3)
        let history = EpochHistory(try JournalReader(directory: rig.journalDirectory))
        #expect(history.starts == [EpochHistory.Start(epoch: 3, firstSeq: 1)])
    }
}
