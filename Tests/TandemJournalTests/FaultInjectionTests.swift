import Foundation
import Testing

@testable import TandemJournal

/// Each injected fault gives a clear error and loses no acknowledged event.
@Suite struct FaultInjectionTests {
    /// Appends batches until one fails; returns the acknowledged events and the first error.
    private func appendUntilFailure(
        _ journal: Journal, batches: Int = 60
    ) async -> (acknowledged: [JournalEvent], error: JournalError?) {
        var acknowledged: [JournalEvent] = []
        for b in 0..<batches {
            let batch = Events.people(b * 7..<b * 7 + 1 + b % 7)
            do {
                try await journal.append(contentsOf: batch)
                acknowledged += batch
            } catch {
                return (acknowledged, error as? JournalError)
            }
        }
        return (acknowledged, nil)
    }

    /// Reopens with the real file system and checks that what was acknowledged is all there.
    private func expectRecovered(_ directory: TemporaryDirectory, acknowledged: [JournalEvent]) async throws {
        let journal = try Journal.open(directory: directory.path, options: smallOptions(segmentSize: 4096))
        #expect(journal.lastSeq >= UInt64(acknowledged.count))
        try await journal.append(Events.person(99_999))
        await journal.close()
        let events = try readAll(directory.path).map(\.event)
        #expect(Array(events.prefix(acknowledged.count)) == acknowledged)
        let report = try JournalVerification.verify(directory: directory.path)
        #expect(report.verdict == .sound, "\(report.findings)")
    }

    @Test func shortWritesAreCompletedByLooping() async throws {
        let directory = TemporaryDirectory()
        let fileSystem = FaultInjectingFileSystem()
        fileSystem.plan.update { $0.shortWriteMax = 7 }
        let journal = try Journal.open(
            directory: directory.path, options: smallOptions(segmentSize: 4096), fileSystem: fileSystem)
        let (acknowledged, error) = await appendUntilFailure(journal)
        await journal.close()
        #expect(error == nil)
        #expect(fileSystem.plan.snapshot.writeCalls > 1000)
        try await expectRecovered(directory, acknowledged: acknowledged)
    }

    /// Power is lost in the middle of a write; only whole 512-byte sectors reached the disk.
    @Test(arguments: Array(stride(from: 0, through: 12_000, by: 397)))
    func tornWritesAtSectorBoundariesLoseNothingAcknowledged(budget: Int) async throws {
        let directory = TemporaryDirectory()
        let fileSystem = FaultInjectingFileSystem()
        fileSystem.plan.update { $0.tornAfterBytes = budget }
        let journal: Journal
        do {
            journal = try Journal.open(
                directory: directory.path, options: smallOptions(segmentSize: 4096), fileSystem: fileSystem)
        } catch {
            Issue.record("open failed: \(error)")
            return
        }
        let (acknowledged, error) = await appendUntilFailure(journal)
        await journal.close()
        let failure = try #require(error, "the budget of \(budget) bytes should run out")
        #expect(failure.message.hasPrefix("could not make events from seq \(acknowledged.count + 1) durable:"))
        #expect(
            failure.message.hasSuffix(
                "the writer has stopped and acknowledged nothing from seq \(acknowledged.count + 1) on"))
        try await expectRecovered(directory, acknowledged: acknowledged)
    }

    @Test func aFailedSyncStopsTheWriterForGood() async throws {
        let directory = TemporaryDirectory()
        let fileSystem = FaultInjectingFileSystem()
        let journal = try Journal.open(directory: directory.path, options: smallOptions(), fileSystem: fileSystem)
        try await journal.append(contentsOf: Events.people(0..<10))
        fileSystem.plan.update { $0.failNextSync = true }
        let error = await #expect(throws: JournalError.self) { try await journal.append(Events.person(10)) }
        #expect(error?.code == .syncFailed)
        #expect(
            error?.description
                == "seq 11: could not make events from seq 11 durable: fdatasync on \(directory.path)/00000001-0000000000000001.seg failed; the writer has stopped and acknowledged nothing from seq 11 on (errno 5: Input/output error (simulated))"
        )
        // The next sync would succeed, but the writer never retries as if the failed one had.
        let after = await #expect(throws: JournalError.self) { try await journal.append(Events.person(11)) }
        #expect(after?.code == .writerStopped)
        #expect(
            after?.message
                == "the journal writer stopped after an earlier failure and accepts no more events; reopen the journal")
        #expect(journal.lastSeq == 10)
        await journal.close()
        try await expectRecovered(directory, acknowledged: Events.people(0..<10))
    }

    @Test func aFullDiskMidFrameStopsTheWriterAndRecovers() async throws {
        let directory = TemporaryDirectory()
        let fileSystem = FaultInjectingFileSystem()
        let journal = try Journal.open(
            directory: directory.path, options: smallOptions(segmentSize: 1 << 20), fileSystem: fileSystem)
        try await journal.append(contentsOf: Events.people(0..<10))
        fileSystem.plan.update { $0.diskFullAfterBytes = 150 }
        let error = await #expect(throws: JournalError.self) {
            try await journal.append(contentsOf: Events.people(10..<30))
        }
        #expect(error?.code == .diskFull)
        #expect(error?.message.contains("the file system is full") == true)
        await #expect(throws: JournalError.self) { try await journal.append(Events.person(30)) }
        await journal.close()
        // The partial frame is a torn tail: recovery cuts it.
        let report = try JournalVerification.verify(directory: directory.path)
        #expect(report.verdict == .tornTail)
        try await expectRecovered(directory, acknowledged: Events.people(0..<10))
    }

    @Test func appendsQueuedBehindAFailureAllFail() async throws {
        let directory = TemporaryDirectory()
        let fileSystem = FaultInjectingFileSystem()
        let journal = try Journal.open(directory: directory.path, options: smallOptions(), fileSystem: fileSystem)
        fileSystem.plan.update { $0.failNextSync = true }
        let results = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<50 {
                group.addTask { (try? await journal.append(Events.person(i))) != nil }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        await journal.close()
        // The very first commit failed, so no append may have been acknowledged, queued or not.
        #expect(results.filter { $0 }.isEmpty)
        #expect(results.count == 50)
    }
}
