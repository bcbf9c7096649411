import ConnectorKit
import Foundation
import TandemJournal
import Testing

@testable import TandemEngine

/// Retention removes old segments and checkpoints but never what a restore inside the advertised
/// window needs; a restore outside it fails with a clear message.
@Suite struct RetentionTests {
    @Test func retentionKeepsTheAdvertisedWindowRestorable() async throws {
        var workload = try await TimeTravelWorkload(seed: 71, checkpointInterval: 6)
        let harness = workload.harness
        for _ in 0..<10 {
            try await workload.step()
            try await harness.journal.rollSegment()
        }
        let journal = workload.journalDirectory
        let last = await harness.state.lastSeq
        var digests: [UInt64: String] = [:]
        for seq in 1...last { digests[seq] = try workload.digestFromScratch(through: seq) }

        // The window starts at the time of an event in the middle; the size limit asks for everything else to go.
        let reader = try JournalReader(directory: journal)
        let middle = last / 2
        let windowStart = try reader.events(in: middle...middle)[0].event.timeMicroseconds
        let policy = RetentionPolicy(maxBytes: 1, restoreWindow: .seconds(3_600))
        let now = windowStart + 3_600_000_000
        let plan = try RetentionPlan.make(reader: reader, checkpoints: harness.checkpoints, policy: policy, now: now)
        #expect(plan.windowExceedsMaxBytes)
        let cut = try #require(plan.cut)
        let windowSeq = try #require(try EngineReplay.lastSeq(atOrBefore: windowStart, reader: reader))
        #expect(cut.seq <= windowSeq, "the cut is never inside the window")
        #expect(!plan.removedSegments.isEmpty && !plan.removedCheckpoints.isEmpty)
        try plan.apply(journal: harness.journal, checkpoints: harness.checkpoints)

        let after = try JournalReader(directory: journal)
        #expect((after.firstSeq ?? 1) > 1, "old segments are gone")
        let current = await harness.state
        // Every seq from the window's start on still restores to exactly its old state.
        for seq in windowSeq...last {
            let restore = try RestorePlan.make(
                directory: journal, checkpoints: harness.checkpoints, target: .seq(seq), current: current)
            #expect(restore.restoredDigest == digests[seq], "seq \(seq)")
        }
        let byTime = try RestorePlan.make(
            directory: journal, checkpoints: harness.checkpoints, target: .time(microseconds: windowStart),
            current: current)
        #expect(byTime.targetSeq == windowSeq)
        // Before the cut: a clear refusal.
        let outside = try #require(plan.oldestRestorableSeq).advanced(by: -1)
        let error = #expect(throws: EngineError.self) {
            try RestorePlan.make(
                directory: journal, checkpoints: harness.checkpoints, target: .seq(outside), current: current)
        }
        #expect(error?.message.contains("is outside the restore window") == true)
        #expect(error?.message.contains("reach back to seq \(cut.seq)") == true)

        // The journal reopens from its retained start, and the engine's state is unchanged.
        try await harness.reopen()
        #expect(await harness.state.stateDigest == current.stateDigest)
        try await workload.step()
        #expect(
            try EngineReplay.replay(directory: journal, checkpoints: harness.checkpoints).state.stateDigest
                == (await harness.state.stateDigest))
        await harness.close()

        // A retained segment that goes missing afterwards is detected.
        let first = try #require(try JournalReader(directory: journal).segmentSummaries.first?.segment)
        try FileManager.default.removeItem(atPath: journal + "/" + first)
        let open = #expect(throws: JournalError.self) { try Journal.open(directory: journal) }
        #expect(open?.code == .corruption)
        #expect(open?.message.contains("are missing") == true)
    }
}
