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

    static func tailPath(_ workload: TimeTravelWorkload) -> String {
        workload.harness.checkpoints.store.directory + "/" + ObjectHistoryIndex.tailFileName
    }

    /// The indexes `explain` would use now: the index and its tail reach `seq`.
    static func expectIndexedThrough(_ workload: TimeTravelWorkload, _ seq: UInt64) throws {
        let reader = try JournalReader(directory: workload.journalDirectory)
        let directory = workload.harness.checkpoints.store.directory
        let index = try ObjectIndexFile.open(path: directory + "/" + ObjectHistoryIndex.fileName)
        let tail = try #require(ObjectHistoryIndex.tail(at: directory, continuing: index, reader))
        #expect(tail.coveredSeq == seq)
    }

    /// Past the tail's bound a run leaves the tail as it was (rewriting it would cost in
    /// proportion to everything since the checkpoint): `explain` scans the events after it and
    /// still answers exactly, and the next checkpoint merges every record.
    @Test func aTailPastItsBoundIsNotRewritten() async throws {
        var workload = try await TimeTravelWorkload(seed: 76, checkpointInterval: 40)
        for _ in 0..<5 { try await workload.step() }
        let harness = workload.harness
        await harness.engine.setObjectIndexTailLimit(0)
        let directory = harness.checkpoints.store.directory
        var lastSeq: UInt64 = 0
        var index: ObjectIndexFile
        // Steps until the events since the last checkpoint touch some object: past the bound of 0.
        var steps = 0
        var touched = 0
        repeat {
            try await workload.step()
            steps += 1
            lastSeq = await harness.state.lastSeq
            index = try ObjectIndexFile.open(path: directory + "/" + ObjectHistoryIndex.fileName)
            touched = await harness.engine.objectIndexAccumulator?.objectCount ?? 0
        } while (index.coveredSeq == lastSeq || touched == 0) && steps < 10
        try #require(index.coveredSeq < lastSeq && touched > 0, "no step touched objects after the last checkpoint")
        let reader = try JournalReader(directory: workload.journalDirectory)
        let tail = ObjectHistoryIndex.tail(at: directory, continuing: index, reader)
        #expect(tail == nil || tail!.coveredSeq < lastSeq, "the runs past the bound left the tail as it was")
        try await ExplainIndexTests.compareEverything(workload, seqs: [lastSeq])
        try await harness.engine.checkpoint()
        try Self.expectIndexEqualsScan(workload)
        #expect(await harness.engine.objectIndexEventsScanned == 0)
        await harness.close()
    }

    @Test func explainRightAfterARunNeedsNoScan() async throws {
        var workload = try await TimeTravelWorkload(seed: 74, checkpointInterval: 40)
        for _ in 0..<5 { try await workload.step() }
        let harness = workload.harness
        let lastSeq = await harness.state.lastSeq
        let index = try ObjectIndexFile.open(
            path: harness.checkpoints.store.directory + "/" + ObjectHistoryIndex.fileName)
        #expect(index.coveredSeq < lastSeq, "runs since the last checkpoint")
        try Self.expectIndexedThrough(workload, lastSeq)
        try await ExplainIndexTests.compareEverything(workload, seqs: [lastSeq, index.coveredSeq, lastSeq - 3])

        // A reopened engine takes the tail over: it reads nothing back, before or at its next checkpoint.
        try await harness.reopen()
        for _ in 0..<4 { try await workload.step() }
        try await harness.engine.checkpoint()
        #expect(await harness.engine.objectIndexEventsScanned == 0)
        try Self.expectIndexEqualsScan(workload)
        #expect(!FileManager.default.fileExists(atPath: Self.tailPath(workload)), "the checkpoint merged the tail")
        await harness.close()
    }

    @Test func eventsAfterTheTailAreScannedAndReadBackOnOpening() async throws {
        var workload = try await TimeTravelWorkload(seed: 75, checkpointInterval: 40)
        for _ in 0..<3 { try await workload.step() }
        let harness = workload.harness
        // Not a run: no tail is written, as after a crash between the append and the tail.
        try await harness.engine.recordRestorePoint("p")
        try await harness.engine.recordRestorePoint("q")
        let lastSeq = await harness.state.lastSeq
        try Self.expectIndexedThrough(workload, lastSeq - 2)
        try await ExplainIndexTests.compareEverything(workload, seqs: [lastSeq])
        try await harness.reopen()
        #expect(await harness.engine.objectIndexEventsScanned == 2)
        try await workload.step()
        try Self.expectIndexedThrough(workload, await harness.state.lastSeq)
        try await harness.engine.checkpoint()
        try Self.expectIndexEqualsScan(workload)
        await harness.close()
    }

    /// A tail that does not continue the index is ignored by `explain` and by an opening engine.
    @Test(arguments: ["stale", "foreign", "beyond", "damaged"])
    func aTailThatDoesNotFitIsIgnored(kind: String) async throws {
        var workload = try await TimeTravelWorkload(seed: 76, checkpointInterval: 40)
        for _ in 0..<3 { try await workload.step() }
        let harness = workload.harness
        let path = Self.tailPath(workload)
        let sound = try ObjectIndexFile.open(path: path)
        let entries = try sound.allEntries()
        let lastSeq = await harness.state.lastSeq
        switch kind {
        case "stale":
            // Left by a crash after a checkpoint extended the index, before the tail was removed.
            let saved = try Data(contentsOf: URL(fileURLWithPath: path))
            try await harness.engine.checkpoint()
            try saved.write(to: URL(fileURLWithPath: path))
        case "foreign":
            try ObjectIndexFile.write(
                path: path, journalID: UUID(), baseSeq: sound.baseSeq, coveredSeq: sound.coveredSeq,
                coveredEpoch: sound.coveredEpoch, sharedSeqs: sound.sharedSeqs, entries: entries)
        case "beyond":
            try ObjectIndexFile.write(
                path: path, journalID: sound.journalID, baseSeq: sound.baseSeq, coveredSeq: lastSeq + 5,
                coveredEpoch: sound.coveredEpoch, sharedSeqs: sound.sharedSeqs, entries: entries)
        default:
            var bytes = [UInt8](FileManager.default.contents(atPath: path)!)
            bytes[bytes.count - 3] ^= 0x10
            #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        }
        let reader = try JournalReader(directory: workload.journalDirectory)
        let directory = harness.checkpoints.store.directory
        let index = try ObjectIndexFile.open(path: directory + "/" + ObjectHistoryIndex.fileName)
        #expect(ObjectHistoryIndex.tail(at: directory, continuing: index, reader) == nil)
        try await ExplainIndexTests.compareEverything(workload, seqs: [await harness.state.lastSeq])
        try await harness.reopen()
        try await workload.step()
        try await harness.engine.checkpoint()
        try Self.expectIndexEqualsScan(workload)
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
