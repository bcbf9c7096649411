import Foundation
import Testing

@testable import TandemJournal

@Suite struct DivergentTailTests {
    /// 300 events in frames of 4 (appended 4 at a time) across several small segments, epoch 1.
    static func writeJournal(_ directory: TemporaryDirectory) async throws -> [StoredEvent] {
        let journal = try Journal.open(directory: directory.path, options: smallOptions(segmentSize: 4096))
        for start in stride(from: 0, to: 300, by: 4) {
            try await journal.append(contentsOf: Events.people(start..<start + 4))
        }
        await journal.close()
        return try readAll(directory.path)
    }

    @Test(arguments: [40, 160, 296] as [UInt64])
    func theTailMovesAsideAndTheJournalKeepsExactlyThePrefix(switchSeq: UInt64) async throws {
        let directory = TemporaryDirectory()
        let original = try await Self.writeJournal(directory)
        let segmentsBefore = directory.segments
        #expect(segmentsBefore.count > 3)

        let tail = try #require(try Journal.setAsideTail(directory: directory.path, after: switchSeq))
        #expect(tail.seqs == (switchSeq + 1)...300)
        #expect(tail.epochs == [1])
        #expect(tail.folder == directory.path + "/diverged/after-\(switchSeq)")
        // The journal keeps exactly seqs 1…switchSeq, chain intact, and a writer continues from there.
        #expect(try readAll(directory.path) == Array(original.prefix(Int(switchSeq))))
        let reopened = try Journal.open(directory: directory.path, options: smallOptions(segmentSize: 4096))
        #expect(reopened.lastSeq == switchSeq)
        try await reopened.beginEpoch(2)
        #expect(try await reopened.append(Events.person(1000)) == switchSeq + 1)
        await reopened.close()
        #expect(try JournalVerification.verify(directory: directory.path).findings.isEmpty)
        let history = EpochHistory(try JournalReader(directory: directory.path))
        #expect(history.starts.map(\.epoch) == [1, 2])
        #expect(history.starts.last?.firstSeq == switchSeq + 1)
        // The tail reads back, event for event, from its folder; nothing was lost.
        let kept = try JournalReader(directory: tail.folder).events(in: tail.seqs)
        #expect(kept == Array(original.dropFirst(Int(switchSeq))))
        for name in tail.segments {
            #expect(segmentsBefore.contains(name))
        }
    }

    @Test func aSwitchPointInsideAFrameIsRefusedAndNothingMoves() async throws {
        let directory = TemporaryDirectory()
        _ = try await Self.writeJournal(directory)
        let before = directory.segments.map { readBytes(directory.file($0)) }
        do {
            _ = try Journal.setAsideTail(directory: directory.path, after: 42)
            Issue.record("a switch point inside a frame was accepted")
        } catch let error as JournalError {
            #expect(error.code == .invalidArgument)
            #expect(
                error.message
                    == "the switch point seq 42 is inside the frame holding seqs 41–44; a switch point is always at a frame boundary"
            )
            #expect(error.location?.seq == 42)
        }
        #expect(directory.segments.map { readBytes(directory.file($0)) } == before)
        #expect(!FileManager.default.fileExists(atPath: directory.file("diverged")))
    }

    @Test func anOpenJournalIsNotTouched() async throws {
        let directory = TemporaryDirectory()
        _ = try await Self.writeJournal(directory)
        let journal = try Journal.open(directory: directory.path, options: smallOptions(segmentSize: 4096))
        let error = #expect(throws: JournalError.self) {
            try Journal.setAsideTail(directory: directory.path, after: 40)
        }
        #expect(error?.code == .locked)
        #expect(error?.message.hasSuffix("; stop the server first") == true)
        await journal.close()
        #expect(try readAll(directory.path).count == 300)
    }

    @Test func aChecksumFromAnotherHistoryIsRefused() async throws {
        let directory = TemporaryDirectory()
        _ = try await Self.writeJournal(directory)
        let checksum = try JournalReader(directory: directory.path).segmentSummaries.flatMap(\.frames)
            .first { $0.lastSeq == 40 }!.checksum
        #expect(throws: JournalError.self) {
            try Journal.setAsideTail(directory: directory.path, after: 40, expectedChecksum: checksum ^ 1)
        }
        #expect(try readAll(directory.path).count == 300)
        let tail = try Journal.setAsideTail(directory: directory.path, after: 40, expectedChecksum: checksum)
        #expect(tail?.lastSeq == 300)
    }

    @Test func nothingAfterTheSwitchPointMeansNothingToDo() async throws {
        let directory = TemporaryDirectory()
        _ = try await Self.writeJournal(directory)
        #expect(try Journal.setAsideTail(directory: directory.path, after: 300) == nil)
        #expect(try Journal.setAsideTail(directory: directory.path, after: 400) == nil)
        #expect(try readAll(directory.path).count == 300)
    }

    @Test func settingAsideTwiceKeepsBothTails() async throws {
        let directory = TemporaryDirectory()
        _ = try await Self.writeJournal(directory)
        let first = try #require(try Journal.setAsideTail(directory: directory.path, after: 80))
        let journal = try Journal.open(directory: directory.path, options: smallOptions(segmentSize: 4096))
        try await journal.append(contentsOf: Events.people(500..<520))
        await journal.close()
        let second = try #require(try Journal.setAsideTail(directory: directory.path, after: 80))
        #expect(first.folder != second.folder)
        #expect(second.folder.hasSuffix("after-80.2"))
        #expect(try JournalReader(directory: first.folder).events(in: 81...300).count == 220)
        #expect(
            try JournalReader(directory: second.folder).events(in: 81...100).map(\.event) == Events.people(500..<520))
    }
}

@Suite struct EpochHistoryTests {
    typealias Start = EpochHistory.Start

    static func history(_ starts: [(UInt64, UInt64)], last: UInt64) -> EpochHistory {
        EpochHistory(starts: starts.map { Start(epoch: $0.0, firstSeq: $0.1) }, lastSeq: last)
    }

    @Test(
        arguments: [
            // A superseded active: epoch 1 went on to 120, the new active started epoch 2 at 101.
            ([(1, 1)], 120, [(1, 1), (2, 101)], 130, 100 as UInt64?),
            // The same, but the old active also wrote nothing past the switch point: no tail.
            ([(1, 1)], 100, [(1, 1), (2, 101)], 130, nil),
            // A staging server lagging behind: a prefix, no tail.
            ([(1, 1)], 80, [(1, 1), (2, 101)], 130, nil),
            // The new active itself, compared with the old one: it is the newer, so no tail of its own.
            ([(1, 1), (2, 101)], 130, [(1, 1)], 120, nil),
            // A tail in an epoch the authority granted and then superseded again (epochs 1, 2, then 3 at 151).
            ([(1, 1), (2, 101)], 170, [(1, 1), (2, 101), (3, 151)], 160, 150),
            // Same epoch, one ahead of the other: lag, not divergence.
            ([(1, 1), (2, 101)], 170, [(1, 1), (2, 101)], 160, nil),
            // Both empty.
            ([], 0, [], 0, nil),
        ] as [([(UInt64, UInt64)], UInt64, [(UInt64, UInt64)], UInt64, UInt64?)])
    func theSwitchPointIsWhereANewerEpochBegan(
        local: [(UInt64, UInt64)], localLast: UInt64, active: [(UInt64, UInt64)], activeLast: UInt64,
        expected: UInt64?
    ) {
        let mine = Self.history(local, last: localLast)
        let theirs = Self.history(active, last: activeLast)
        #expect(mine.divergence(from: theirs) == expected, "\(mine) vs \(theirs)")
    }

    @Test func theEpochOfASeq() {
        let history = Self.history([(1, 1), (3, 51)], last: 60)
        #expect(history.epoch(at: 0) == nil)
        #expect(history.epoch(at: 50) == 1)
        #expect(history.epoch(at: 51) == 3)
        #expect(history.epoch(at: 61) == nil)
        #expect(history.currentEpoch == 3)
    }
}
