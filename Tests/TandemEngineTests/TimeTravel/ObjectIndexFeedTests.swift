import Foundation
import TandemJournal
import Testing

@testable import TandemEngine

/// The engine extends the object index at its checkpoints from the events it appended, without
/// reading them back from the journal, and the result is exactly the index a scan of the journal
/// builds.
@Suite struct ObjectIndexFeedTests {
    /// The index a scan of the journal builds through `seq`, in a directory of its own.
    static func scannedIndex(_ workload: TimeTravelWorkload, through seq: UInt64) throws -> ObjectIndexFile {
        let directory = workload.harness.directory + "/scanned-\(seq)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let reader = try JournalReader(directory: workload.journalDirectory)
        #expect(try ObjectHistoryIndex.update(directory: directory, reader: reader, through: seq) == Int(seq))
        return try ObjectIndexFile.open(path: directory + "/" + ObjectHistoryIndex.fileName)
    }

    /// The engine's index, and that it lists what a scan of the journal lists.
    @discardableResult
    static func expectIndexEqualsScan(_ workload: TimeTravelWorkload) throws -> ObjectIndexFile {
        let path = workload.harness.checkpoints.store.directory + "/" + ObjectHistoryIndex.fileName
        let index = try ObjectIndexFile.open(path: path)
        let scanned = try scannedIndex(workload, through: index.coveredSeq)
        #expect(index.coveredEpoch == scanned.coveredEpoch)
        #expect(index.sharedSeqs == scanned.sharedSeqs)
        #expect(try index.allEntries() == scanned.allEntries())
        return index
    }

    @Test(arguments: [71, 72] as [UInt64])
    func checkpointsExtendTheIndexWithoutReadingTheJournal(seed: UInt64) async throws {
        var workload = try await TimeTravelWorkload(seed: seed, checkpointInterval: 8)
        for _ in 0..<6 { try await workload.step() }
        let harness = workload.harness
        let middle = await harness.state.lastSeq / 2
        _ = try await harness.engine.restore(to: middle, target: "seq \(middle)")
        for _ in 0..<4 { try await workload.step() }
        let index = try Self.expectIndexEqualsScan(workload)
        #expect(index.coveredSeq > middle, "the index was extended after the restore")
        #expect(!index.sharedSeqs.isEmpty, "the restore is recorded")
        #expect(await harness.engine.objectIndexEventsScanned == 0)
        await harness.close()
    }

    @Test func anEventTheEngineDidNotRecordIsReadFromTheJournal() async throws {
        var workload = try await TimeTravelWorkload(seed: 73, checkpointInterval: 8)
        for _ in 0..<3 { try await workload.step() }
        let harness = workload.harness
        // The index loses its last extension: the engine's records start after the seq it now covers.
        let directory = harness.checkpoints.store.directory
        try FileManager.default.removeItem(atPath: directory + "/" + ObjectHistoryIndex.fileName)
        try ObjectHistoryIndex.update(
            directory: directory, reader: JournalReader(directory: workload.journalDirectory), through: 5)
        let before = await harness.state.lastSeq
        let recordedFrom = try #require(await harness.engine.objectIndexAccumulator?.firstSeq)
        #expect(recordedFrom > 6)
        try await harness.engine.checkpoint()
        let index = try Self.expectIndexEqualsScan(workload)
        #expect(index.coveredSeq == before + 1)
        let scanned = await harness.engine.objectIndexEventsScanned
        #expect(scanned == Int(recordedFrom - 6), "only the events the engine did not record are read")
        await harness.close()
    }

    @Test func recordsOnePostingPerObjectPerEvent() {
        var accumulator = ObjectIndexAccumulator(startingAt: 5)
        let id = MetaverseID(7)
        let decisions = SyncDecisions(
            runID: 1, decisions: [.removeAttribute(id, attribute: "title"), .removeAttribute(id, attribute: "mail")])
        accumulator.record(.syncDecisions(decisions), seq: 5, epoch: 1)
        accumulator.record(.restorePoint(name: "p"), seq: 6, epoch: 1)
        accumulator.record(.syncDecisions(decisions), seq: 7, epoch: 2)
        #expect(accumulator.entries() == [ObjectIndexFile.Entry(key: ObjectReference.metaverse(id).key, seqs: [5, 7])])
        #expect(accumulator.lastSeq == 7 && accumulator.lastEpoch == 2)
        // Out of order: a new stretch, the journal fills the gap.
        accumulator.record(.syncDecisions(decisions), seq: 10, epoch: 2)
        #expect(accumulator.firstSeq == 10 && accumulator.entries().map(\.seqs) == [[10]])
    }
}
