import ConnectorKit
import ConnectorKitTesting
import TandemJournal
import Testing

@testable import TandemEngine

@Suite struct ExportFencingTests {
    @Test func aDeniedPermitStopsTheExportBeforeTheNextBatch() async throws {
        let (rig, hr, directory) = PromotionRig.hrToDirectory()
        defer { rig.remove() }
        let (journal, engine) = try rig.open(["hr": hr, "directory": directory])
        for profile in [RunProfile.fullImport, .fullSync] {
            try await engine.run(profile, connector: "hr")
            try await engine.run(profile, connector: "directory")
        }
        // One grant: the check at the start of the export and the first batch pass; the second batch is refused.
        await engine.setExportPermit(CountingPermit(grants: 1))
        let run = try await engine.run(.export, connector: "directory")
        #expect(run.status == .fenced)
        #expect(run.message == "exporting stopped: the lease on epoch 1 lapsed")
        #expect(directory.exportCalls.count == 1)
        #expect(directory.objects.count == 2)
        let state = await engine.state
        #expect(state.space("directory").pendingExports.count == 3)
        #expect(state.space("directory").inDoubtExports.isEmpty, "the exported batch's results were recorded")
        await journal.close()
        #expect(try EngineReplay.replay(directory: rig.journalDirectory).stateDigest == state.stateDigest)
    }

    @Test func aServerThatNeverHeldTheLeaseExportsNothing() async throws {
        let (rig, hr, directory) = PromotionRig.hrToDirectory()
        defer { rig.remove() }
        let (journal, engine) = try rig.open(["hr": hr, "directory": directory])
        await engine.setExportPermit(CountingPermit(grants: 0, reason: "this server is staging"))
        let runs = try await engine.cycle(initial: true)
        let exports = runs.suffix(2)
        #expect(exports.allSatisfy { $0.status == .fenced })
        #expect(directory.exportCalls.isEmpty)
        await journal.close()
    }

    @Test func theAttemptIsJournaledBeforeTheConnectorIsCalled() async throws {
        let (rig, hr, directory) = PromotionRig.hrToDirectory()
        defer { rig.remove() }
        let (journal, engine) = try rig.open(["hr": hr, "directory": CrashingConnector(directory, crashOnCall: 1)])
        try await engine.run(.fullImport, connector: "hr")
        try await engine.run(.fullSync, connector: "hr")
        await #expect(throws: SimulatedCrash.self) { try await engine.run(.export, connector: "directory") }
        await journal.close()
        let state = try EngineReplay.replay(directory: rig.journalDirectory)
        // The first batch reached the system, but only its attempt is in the journal.
        #expect(directory.objects.count == 2)
        #expect(state.space("directory").inDoubtExports.count == 2)
        #expect(Set(state.space("directory").inDoubtExports.values) == [1])
    }
}
