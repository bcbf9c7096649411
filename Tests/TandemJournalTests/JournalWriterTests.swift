import Foundation
import Testing

@testable import TandemJournal

@Suite struct JournalWriterTests {
    @Test func appendsGetDenseSeqsFromOneAndSurviveReopening() async throws {
        let directory = TemporaryDirectory()
        var journal = try Journal.open(directory: directory.path, options: smallOptions())
        #expect(journal.lastSeq == 0)
        #expect(try await journal.append(Events.person(0)) == 1)
        #expect(try await journal.append(contentsOf: Events.people(1..<10)) == 2...10)
        let id = journal.journalID
        await journal.close()

        journal = try Journal.open(directory: directory.path, options: smallOptions())
        #expect(journal.journalID == id)
        #expect(journal.lastSeq == 10)
        #expect(try await journal.append(Events.person(10)) == 11)
        await journal.close()
        let events = try readAll(directory.path)
        #expect(events.map(\.seq) == Array(1...11))
        #expect(events.map(\.event) == Events.people(0..<11))
    }

    @Test func segmentsRollAtTheConfiguredSizeAndChainTogether() async throws {
        let directory = TemporaryDirectory()
        let journal = try Journal.open(
            directory: directory.path, options: smallOptions(segmentSize: 4096, maxFrameEvents: 8))
        for start in stride(from: 0, to: 800, by: 8) {
            try await journal.append(contentsOf: Events.people(start..<start + 8))
        }
        await journal.close()
        #expect(directory.segments.count > 5)
        for segment in directory.segments.dropLast() {
            let size = try #require(
                FileManager.default.attributesOfItem(atPath: directory.file(segment))[.size] as? Int)
            #expect(size <= 4096, "\(segment) is \(size) bytes")
            // Sealed segments carry an index.
            #expect(
                FileManager.default.fileExists(
                    atPath: directory.file(segment.replacingOccurrences(of: ".seg", with: ".idx"))))
        }
        let report = try JournalVerification.verify(directory: directory.path)
        #expect(report.verdict == .sound, "\(report.findings)")
        #expect(report.events == 800)
        #expect(try readAll(directory.path).map(\.event) == Events.people(0..<800))
    }

    @Test func aNewEpochStartsANewSegment() async throws {
        let directory = TemporaryDirectory()
        var journal = try Journal.open(directory: directory.path, options: smallOptions())
        try await journal.append(contentsOf: Events.people(0..<5))
        try await journal.beginEpoch(2)
        await #expect(throws: JournalError.self) { try await journal.beginEpoch(2) }
        try await journal.append(contentsOf: Events.people(5..<8))
        await journal.close()
        #expect(directory.segments == ["00000001-0000000000000001.seg", "00000002-0000000000000006.seg"])
        journal = try Journal.open(directory: directory.path, options: smallOptions())
        try await journal.append(Events.person(8))
        await journal.close()
        let events = try readAll(directory.path)
        #expect(events.map(\.epoch) == [1, 1, 1, 1, 1, 2, 2, 2, 2])
    }

    @Test func segmentsRollOnDemand() async throws {
        let directory = TemporaryDirectory()
        let journal = try Journal.open(directory: directory.path, options: smallOptions(segmentSize: 1 << 20))
        try await journal.rollSegment()  // nothing written yet: nothing to seal
        try await journal.append(contentsOf: Events.people(0..<3))
        try await journal.rollSegment()
        try await journal.rollSegment()  // the new segment holds nothing yet: still one roll
        try await journal.append(Events.person(3))
        await journal.close()
        #expect(directory.segments == ["00000001-0000000000000001.seg", "00000001-0000000000000004.seg"])
        #expect(try JournalVerification.verify(directory: directory.path).verdict == .sound)
        #expect(try readAll(directory.path).map(\.event) == Events.people(0..<4))
    }

    @Test func concurrentAppendsShareFrames() async throws {
        let directory = TemporaryDirectory()
        var options = smallOptions(segmentSize: 64 << 20, maxFrameEvents: 4096)
        options.groupCommitWindow = .milliseconds(2)
        let journal = try Journal.open(directory: directory.path, options: options)
        let seqs = try await withThrowingTaskGroup(of: UInt64.self) { group in
            for i in 0..<200 { group.addTask { try await journal.append(Events.person(i)) } }
            return try await group.reduce(into: [UInt64]()) { $0.append($1) }
        }
        await journal.close()
        #expect(seqs.sorted() == Array(1...200))
        let stats = try JournalStatistics.collect(directory: directory.path)
        #expect(stats.events == 200)
        #expect(stats.frames < 200, "group commit should put several appends in one frame")
    }

    @Test func aSecondWriterIsRefusedWithAClearError() async throws {
        let directory = TemporaryDirectory()
        let first = try Journal.open(directory: directory.path, options: smallOptions())
        let error = try #require(throws: JournalError.self) {
            try Journal.open(directory: directory.path, options: smallOptions())
        }
        #expect(error.code == .locked)
        #expect(
            error.message
                == "the journal is already open for writing by another process (pid \(getpid())); a journal has exactly one writer"
        )
        await first.close()
        let second = try Journal.open(directory: directory.path, options: smallOptions())
        await second.close()
    }

    @Test func anotherJournalsIDIsRefused() async throws {
        let directory = TemporaryDirectory()
        let journal = try Journal.open(directory: directory.path, options: smallOptions())
        try await journal.append(Events.person(0))
        await journal.close()
        var options = smallOptions()
        options.journalID = UUID()
        let error = try #require(throws: JournalError.self) {
            try Journal.open(directory: directory.path, options: options)
        }
        #expect(error.code == .mismatchedJournal)
    }

    @Test func oversizedEventsAndBadOptionsAreRejected() async throws {
        let directory = TemporaryDirectory()
        let journal = try Journal.open(directory: directory.path, options: smallOptions())
        let huge = JournalEvent(
            type: 1, timeMicroseconds: 0, payload: [UInt8](repeating: 1, count: FormatV1.maxEventPayloadBytes + 1))
        let error = await #expect(throws: JournalError.self) { try await journal.append(huge) }
        #expect(error?.code == .limitExceeded)
        #expect(try await journal.append(Events.person(0)) == 1)
        await journal.close()
        await #expect(throws: JournalError.self) { try await journal.append(Events.person(1)) }

        var options = JournalOptions()
        options.segmentSizeBytes = 10
        let bad = try #require(throws: JournalError.self) {
            try Journal.open(directory: directory.path, options: options)
        }
        #expect(bad.description == "journal option segmentSizeBytes must be at least 4096, not 10")
    }

    @Test func aReaderStartsAtAnySeqUsingTheIndex() async throws {
        let directory = TemporaryDirectory()
        let journal = try Journal.open(
            directory: directory.path, options: smallOptions(segmentSize: 4096, maxFrameEvents: 5))
        for start in stride(from: 0, to: 500, by: 5) {
            try await journal.append(contentsOf: Events.people(start..<start + 5))
        }
        await journal.close()
        let reader = try JournalReader(directory: directory.path)
        #expect(reader.firstSeq == 1)
        #expect(reader.lastSeq == 500)
        for seq in [1, 2, 5, 6, 99, 250, 333, 499, 500] as [UInt64] {
            let events = try reader.events(in: seq...min(seq + 3, 500))
            #expect(events.first?.seq == seq)
            #expect(events.map(\.event) == Events.people(Int(seq) - 1..<Int(min(seq + 3, 500))))
        }
        #expect(throws: JournalError.self) { try reader.cursor(from: 502) }
        #expect(throws: JournalError.self) { try reader.cursor(from: 0) }
        #expect(try reader.cursor(from: 501).nextEvent() == nil)
    }

    @Test func aMissingOrDamagedIndexIsRebuiltNotTrusted() async throws {
        let directory = TemporaryDirectory()
        let journal = try Journal.open(
            directory: directory.path, options: smallOptions(segmentSize: 4096, maxFrameEvents: 5))
        for start in stride(from: 0, to: 300, by: 5) {
            try await journal.append(contentsOf: Events.people(start..<start + 5))
        }
        await journal.close()
        let indexes = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            $0.hasSuffix(".idx")
        }.sorted()
        try #require(indexes.count >= 2)
        try FileManager.default.removeItem(atPath: directory.file(indexes[0]))
        var damaged = readBytes(directory.file(indexes[1]))
        damaged[damaged.count / 2] ^= 0xFF
        writeBytes(damaged, to: directory.file(indexes[1]))
        #expect(try readAll(directory.path).map(\.event) == Events.people(0..<300))
        let reopened = try Journal.open(directory: directory.path, options: smallOptions(segmentSize: 4096))
        #expect(reopened.lastSeq == 300)
        await reopened.close()
        // Opening for writing rebuilt both indexes, and they are used again.
        let inventory = try JournalInventory.load(
            directory: directory.path, fileSystem: POSIXFileSystem(), depth: .open)
        let indexed = inventory.segments.dropLast().allSatisfy { $0.fromIndex }
        #expect(
            indexed,
            "\(inventory.segments.map { ($0.name.fileName, $0.fromIndex) }) \((try? FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()) ?? [])"
        )
    }

    @Test func findingTheFirstSeqAtATimeUsesFrameTimes() async throws {
        let directory = TemporaryDirectory()
        let journal = try Journal.open(
            directory: directory.path, options: smallOptions(segmentSize: 4096, maxFrameEvents: 10))
        for start in stride(from: 0, to: 200, by: 10) {
            try await journal.append(contentsOf: Events.people(start..<start + 10))
        }
        await journal.close()
        let reader = try JournalReader(directory: directory.path)
        let time = Events.person(137).timeMicroseconds
        let seq = try #require(reader.firstSeq(atOrAfter: time))
        #expect(seq == 131)  // the frame holding seq 138 (index 137) starts at seq 131
        #expect(reader.firstSeq(atOrAfter: Events.person(10_000).timeMicroseconds) == nil)
    }

    @Test func followersSeeEventsAsTheyAreCommitted() async throws {
        let directory = TemporaryDirectory()
        let journal = try Journal.open(
            directory: directory.path, options: smallOptions(segmentSize: 4096, maxFrameEvents: 4))
        try await journal.append(contentsOf: Events.people(0..<10))
        let follower = Task {
            var seen: [StoredEvent] = []
            for try await event in journal.follow(from: 3) {
                seen.append(event)
                if event.seq == 150 { break }
            }
            return seen
        }
        for i in 10..<150 {
            try await journal.append(Events.person(i))
        }
        let seen = try await follower.value
        await journal.close()
        #expect(seen.map(\.seq) == Array(3...150))
        #expect(seen.map(\.event) == Events.people(2..<150))
    }

    @Test func aFollowerFinishesWhenTheJournalCloses() async throws {
        let directory = TemporaryDirectory()
        let journal = try Journal.open(directory: directory.path, options: smallOptions())
        try await journal.append(contentsOf: Events.people(0..<3))
        let follower = Task {
            var count = 0
            for try await _ in journal.follow(from: 1) { count += 1 }
            return count
        }
        try await Task.sleep(for: .milliseconds(50))
        await journal.close()
        #expect(try await follower.value == 3)
    }
}
