import Foundation
import Testing

@testable import TandemJournal

/// A journal based on a checkpoint: it starts at base seq + 1 and continues its source's chain.
@Suite struct BasedJournalTests {
    /// A source journal of `count` events (epoch 2 from event 150 on), and its frames as stored.
    private func source(_ directory: TemporaryDirectory, count: Int) async throws -> (UUID, [Frame]) {
        let journal = try Journal.open(directory: directory.path, options: smallOptions(segmentSize: 4096))
        var index = 0
        while index < count {
            if index == 150 { try await journal.beginEpoch(2) }
            let size = min(1 + index % 5, count - index)
            try await journal.append(contentsOf: Events.people(index..<index + size))
            index += size
        }
        let id = journal.journalID
        await journal.close()
        let cursor = try JournalReader(directory: directory.path).cursor(from: 1)
        var frames: [Frame] = []
        while let frame = try cursor.nextFrame() { frames.append(frame) }
        return (id, frames)
    }

    /// The base at the end of `frames[index]`, and the frames after it.
    private func base(_ id: UUID, _ frames: [Frame], after index: Int) -> (JournalBase, [Frame]) {
        let frame = frames[index]
        let base = JournalBase(
            journalID: id, seq: frame.header.lastSeq, epoch: frame.header.epoch, chainChecksum: frame.header.checksum)
        return (base, Array(frames[(index + 1)...]))
    }

    @Test func aBasedJournalContinuesItsSourceFromTheBaseAndReadsBackTheSameEvents() async throws {
        let from = TemporaryDirectory()
        let to = TemporaryDirectory()
        let (id, frames) = try await source(from, count: 300)
        let (base, rest) = base(id, frames, after: 20)
        let journal = try Journal.create(directory: to.path, basedOn: base, options: smallOptions(segmentSize: 4096))
        #expect(journal.journalID == id)
        #expect(journal.lastSeq == base.seq)
        #expect(journal.start?.firstSeq == base.seq + 1)
        let last = try await journal.appendShipped(rest)
        #expect(last == 300)
        await journal.close()

        let reader = try JournalReader(directory: to.path)
        #expect(reader.firstSeq == base.seq + 1)
        #expect(reader.lastSeq == 300)
        let copied = try reader.events(in: (base.seq + 1)...300)
        let original = try JournalReader(directory: from.path).events(in: (base.seq + 1)...300)
        #expect(copied == original)
        let report = try JournalVerification.verify(directory: to.path)
        #expect(report.verdict == .sound, "\(report.findings)")
        #expect(report.firstSeq == base.seq + 1)
    }

    @Test func anEmptyBasedJournalReopensAtItsBaseWithItsUUIDAndEpoch() async throws {
        let from = TemporaryDirectory()
        let to = TemporaryDirectory()
        let (id, frames) = try await source(from, count: 300)
        let index = frames.lastIndex { $0.header.epoch == 2 && $0.header.lastSeq < 250 }!
        let (base, rest) = base(id, frames, after: index)
        let created = try Journal.create(directory: to.path, basedOn: base, options: smallOptions())
        await created.close()

        let reader = try JournalReader(directory: to.path)
        #expect(reader.journalID == id)
        #expect(reader.lastSeq == base.seq)
        #expect(reader.firstSeq == base.seq + 1)
        #expect(try JournalVerification.verify(directory: to.path).verdict == .sound)

        // Reopened without the base: it is recorded, so the journal continues where it was based.
        let journal = try Journal.open(directory: to.path, options: smallOptions())
        #expect(journal.journalID == id)
        #expect(journal.lastSeq == base.seq)
        #expect(try await journal.appendShipped(rest) == 300)
        let seq = try await journal.append(Events.person(1_000))
        #expect(seq == 301)
        await journal.close()
        #expect(try JournalVerification.verify(directory: to.path).verdict == .sound)
    }

    @Test func aBasedJournalRefusesFramesThatDoNotContinueItsBase() async throws {
        let from = TemporaryDirectory()
        let to = TemporaryDirectory()
        let (id, frames) = try await source(from, count: 100)
        var (base, rest) = base(id, frames, after: 10)
        base.chainChecksum ^= 1
        let journal = try Journal.create(directory: to.path, basedOn: base, options: smallOptions())
        await #expect(throws: JournalError.self) { try await journal.appendShipped(rest) }
        #expect(journal.lastSeq == base.seq)
        await #expect(throws: JournalError.self) { try await journal.appendShipped(Array(rest.dropFirst())) }
        await journal.close()
    }

    @Test func readingBeforeTheBaseFailsWithAnErrorNamingTheBase() async throws {
        let from = TemporaryDirectory()
        let to = TemporaryDirectory()
        let (id, frames) = try await source(from, count: 100)
        let (base, rest) = base(id, frames, after: 10)
        let journal = try Journal.create(directory: to.path, basedOn: base, options: smallOptions())
        try await journal.appendShipped(rest)
        let reader = try journal.reader()
        let error = try #require(throws: JournalError.self) { try reader.cursor(from: base.seq) }
        #expect(error.code == .notFound)
        #expect(
            error.message
                == "seq \(base.seq) is before the start of the journal, which holds seqs \(base.seq + 1) onward: "
                + "the journal is based on a checkpoint at seq \(base.seq) (it was bootstrapped from it); "
                + "the state at seq \(base.seq) or later can be rebuilt from a checkpoint")
        #expect(throws: JournalError.self) { try journal.frameFollower(from: 1) }
        #expect(try reader.events(in: (base.seq + 1)...(base.seq + 1)).count == 1)
        await journal.close()

        // Empty, too.
        let empty = TemporaryDirectory()
        let emptyJournal = try Journal.create(directory: empty.path, basedOn: base, options: smallOptions())
        #expect(throws: JournalError.self) { try emptyJournal.reader().cursor(from: 1) }
        #expect(throws: Never.self) { try emptyJournal.reader().cursor(from: base.seq + 1) }
        await emptyJournal.close()
    }

    @Test func aBasedJournalRecoversATornTailInItsFirstSegment() async throws {
        let from = TemporaryDirectory()
        let to = TemporaryDirectory()
        let (id, frames) = try await source(from, count: 100)
        let (base, rest) = base(id, frames, after: 10)
        let journal = try Journal.create(directory: to.path, basedOn: base, options: smallOptions(segmentSize: 1 << 20))
        let last = try await journal.appendShipped(rest)
        await journal.close()
        let segment = try #require(to.segments.first)
        let bytes = readBytes(to.file(segment))
        writeBytes(Array(bytes.dropLast(7)), to: to.file(segment))
        #expect(try JournalVerification.verify(directory: to.path).verdict == .tornTail)

        let reopened = try Journal.open(directory: to.path, options: smallOptions())
        #expect(reopened.recoveredTornTail != nil)
        let lastFrame = rest.last!
        #expect(reopened.lastSeq == lastFrame.header.firstSeq - 1)
        #expect(try await reopened.appendShipped([lastFrame]) == last)
        await reopened.close()
        #expect(try JournalVerification.verify(directory: to.path).verdict == .sound)

        // A first segment torn down to its header goes, and the journal is back at its base.
        let tiny = TemporaryDirectory()
        let empty = try Journal.create(directory: tiny.path, basedOn: base, options: smallOptions())
        try await empty.appendShipped([rest[0]])
        await empty.close()
        let only = try #require(tiny.segments.first)
        writeBytes(Array(readBytes(tiny.file(only)).prefix(40)), to: tiny.file(only))
        let back = try Journal.open(directory: tiny.path, options: smallOptions())
        #expect(back.lastSeq == base.seq)
        #expect(try await back.appendShipped(rest) == 100)
        await back.close()
    }

    @Test func aMissingFirstSegmentOrAForeignOneIsCorruption() async throws {
        let from = TemporaryDirectory()
        let to = TemporaryDirectory()
        let (id, frames) = try await source(from, count: 300)
        let (base, rest) = base(id, frames, after: 10)
        let journal = try Journal.create(directory: to.path, basedOn: base, options: smallOptions(segmentSize: 4096))
        try await journal.appendShipped(rest)
        await journal.close()
        #expect(to.segments.count > 2)
        try FileManager.default.removeItem(atPath: to.file(to.segments[0]))
        let report = try JournalVerification.verify(directory: to.path)
        #expect(report.verdict == .corrupt)
        #expect(throws: JournalError.self) { try Journal.open(directory: to.path, options: smallOptions()) }
    }

    @Test func aJournalIsBasedOnlyWhenItIsCreated() async throws {
        let from = TemporaryDirectory()
        let (id, frames) = try await source(from, count: 50)
        let (base, _) = base(id, frames, after: 3)
        #expect(throws: JournalError.self) {
            try Journal.create(directory: from.path, basedOn: base, options: smallOptions())
        }
        let to = TemporaryDirectory()
        try await Journal.create(directory: to.path, basedOn: base, options: smallOptions()).close()
        // The same base again (an interrupted bootstrap) opens; another base does not.
        try await Journal.create(directory: to.path, basedOn: base, options: smallOptions()).close()
        var other = base
        other.seq += 1
        #expect(throws: JournalError.self) {
            try Journal.create(directory: to.path, basedOn: other, options: smallOptions())
        }
    }

    @Test func theStartRecordRoundTripsInBothVersionsAndRejectsDamage() {
        let id = UUID()
        for epoch: UInt64? in [nil, 7] {
            let record = RetainedStart(journalID: id, firstSeq: 42, previousChecksum: 0xDEAD_BEEF, epoch: epoch)
            let bytes = record.serialized()
            #expect(bytes.count == (epoch == nil ? 48 : 60))
            #expect(RetainedStart.parse(bytes) == record)
            for offset in [0, 9, 20, 33, 41, bytes.count - 1] {
                var damaged = bytes
                damaged[offset] ^= 0x10
                #expect(RetainedStart.parse(damaged) == nil)
            }
        }
    }
}
