import ConnectorKit
import Foundation
import TandemJournal
import Testing

@testable import TandemEngine

/// Point-in-time restore: the restored state equals a replay to the target; going live starts a
/// new epoch and keeps the abandoned future readable; replay of the whole journal afterwards
/// equals the live state.
@Suite struct RestoreTests {
    @Test(arguments: [31, 32, 33] as [UInt64])
    func restoreToRandomSeqEqualsReplayToIt(seed: UInt64) async throws {
        var workload = try await TimeTravelWorkload(seed: seed, checkpointInterval: 8)
        for _ in 0..<8 { try await workload.step() }
        let harness = workload.harness
        let before = await harness.state
        var random = SeededRandom(seed: seed)
        let target = UInt64.random(in: 2..<before.lastSeq, using: &random)
        let expected = try workload.digestFromScratch(through: target)

        let plan = try RestorePlan.make(
            directory: workload.journalDirectory, checkpoints: harness.checkpoints, target: .seq(target),
            current: before)
        #expect(plan.restoredDigest == expected)
        #expect(plan.abandoned == (target + 1)...before.lastSeq)

        let event = try await harness.engine.restore(to: target, target: "seq \(target)")
        let after = await harness.state
        #expect(event.stateDigest == expected)
        #expect(after.stateDigest == expected)
        #expect(after.epoch == before.epoch + 1)
        #expect(after.runs.count == before.runs.count, "run history carries on")

        // The abandoned future is still in the journal under its old epoch, and replays to the
        // state the engine had before the restore.
        let reader = try JournalReader(directory: workload.journalDirectory)
        let abandoned = try reader.events(in: (target + 1)...before.lastSeq)
        #expect(abandoned.allSatisfy { $0.epoch == before.epoch })
        #expect(try workload.digestFromScratch(through: before.lastSeq) == before.stateDigest)
        let restoreEvents = try reader.events(in: (before.lastSeq + 1)...(before.lastSeq + 2))
        #expect(restoreEvents.allSatisfy { $0.epoch == before.epoch + 1 })

        // Go live: the next cycle imports before exporting; replay of everything equals the live state.
        for _ in 0..<4 { try await workload.step() }
        let live = await harness.state
        #expect(live.awaitingImport.isEmpty)
        #expect(try workload.digestFromScratch(through: live.lastSeq) == live.stateDigest)
        let fast = try EngineReplay.replay(directory: workload.journalDirectory, checkpoints: harness.checkpoints)
        #expect(fast.state.stateDigest == live.stateDigest)
        try await harness.reopen()
        #expect(await harness.state.stateDigest == live.stateDigest)
        await harness.close()
    }

    @Test func restoreByTimeAndByNamedPoint() async throws {
        var workload = try await TimeTravelWorkload(seed: 41, checkpointInterval: 10)
        for _ in 0..<3 { try await workload.step() }
        let harness = workload.harness
        let pointSeq = try await harness.engine.recordRestorePoint("before-change")
        let atPoint = await harness.state.stateDigest
        try await Task.sleep(for: .milliseconds(5))
        for _ in 0..<4 { try await workload.step() }
        let current = await harness.state

        let byPoint = try RestorePlan.make(
            directory: workload.journalDirectory, checkpoints: harness.checkpoints, target: .point("before-change"),
            current: current)
        #expect(byPoint.targetSeq == pointSeq)
        #expect(byPoint.restoredDigest == atPoint)

        // By time: the state after the last event at or before the time of the point's event.
        let reader = try JournalReader(directory: workload.journalDirectory)
        let time = try reader.events(in: pointSeq...pointSeq)[0].event.timeMicroseconds
        let byTime = try RestorePlan.make(
            directory: workload.journalDirectory, checkpoints: harness.checkpoints, target: .time(microseconds: time),
            current: current)
        let lastAtTime = try reader.events(in: 1...current.lastSeq).last { $0.event.timeMicroseconds <= time }!.seq
        #expect(byTime.targetSeq == lastAtTime)
        #expect(byTime.restoredDigest == (try workload.digestFromScratch(through: lastAtTime)))

        #expect(throws: EngineError.self) {
            try RestorePlan.make(
                directory: workload.journalDirectory, checkpoints: harness.checkpoints, target: .point("nope"),
                current: current)
        }
        #expect(throws: EngineError.self) {
            try RestorePlan.make(
                directory: workload.journalDirectory, checkpoints: harness.checkpoints, target: .time(microseconds: 0),
                current: current)
        }
        try await harness.engine.restore(to: byPoint.targetSeq, target: "point before-change")
        #expect(await harness.state.stateDigest == atPoint)
        await harness.close()
    }

    @Test func exportWaitsForAnImportAfterARestore() async throws {
        var workload = try await TimeTravelWorkload(seed: 51, checkpointInterval: nil)
        for _ in 0..<2 { try await workload.step() }
        let harness = workload.harness
        try await harness.engine.restore(to: 5, target: "seq 5")
        #expect(await harness.state.awaitingImport == ["hr", "directory"])
        let error = await #expect(throws: EngineError.self) { try await harness.run(.export, "directory") }
        #expect(error?.message.contains("must be imported before it exports") == true)
        try await harness.run(.fullImport, "directory")
        #expect(await harness.state.awaitingImport == ["hr"])
        try await harness.cycle()
        let state = await harness.state
        #expect(state.awaitingImport.isEmpty)
        let cycleRuns = state.runs.suffix(6)
        #expect(cycleRuns.first?.profile == .fullImport, "the first cycle after a restore imports in full")
        await harness.close()
    }

    @Test func automaticRestorePoints() async throws {
        let workload = try await TimeTravelWorkload(seed: 61, checkpointInterval: nil)
        let names = await workload.harness.state.restorePoints.map(\.name)
        #expect(names == ["before-initial-cycle-1"])
        await workload.harness.close()
    }
}
