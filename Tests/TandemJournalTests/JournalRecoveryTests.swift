import Foundation
import Testing

@testable import TandemJournal

/// Options whose logger stays silent: these tests recover thousands of torn tails on purpose.
private func quiet(_ options: JournalOptions) -> JournalOptions {
    var options = options
    options.logger.logLevel = .critical
    return options
}

@Suite struct JournalRecoveryTests {
    /// A small journal of three-plus segments, with the events acknowledged.
    private func makeJournal(_ directory: TemporaryDirectory, events: Int = 120) async throws -> [JournalEvent] {
        let journal = try Journal.open(
            directory: directory.path, options: smallOptions(segmentSize: 4096, maxFrameEvents: 6))
        var acknowledged: [JournalEvent] = []
        var index = 0
        while index < events {
            let batch = Events.people(index..<min(index + 1 + index % 5, events))
            try await journal.append(contentsOf: batch)
            acknowledged += batch
            index += batch.count
        }
        await journal.close()
        return acknowledged
    }

    /// Every frame of the journal with the segment it lies in, in order.
    private func frames(_ directory: String) throws -> [(segment: String, frame: FrameSummary)] {
        try JournalInventory.load(directory: directory, fileSystem: POSIXFileSystem(), depth: .verify).segments
            .flatMap { segment in segment.frames.map { (segment.name.fileName, $0) } }
    }

    @Test func truncatingAtEveryByteOffsetRecoversExactlyThePrefixOfCompleteFrames() async throws {
        let original = TemporaryDirectory("original")
        let acknowledged = try await makeJournal(original, events: 60)
        let segments = original.segments
        #expect(segments.count >= 2)
        let sizes = segments.map { readBytes(original.file($0)).count }
        let allFrames = try frames(original.path)
        let work = TemporaryDirectory("work")
        let fast = FaultInjectingFileSystem(syncsAreFree: true)
        var checked = 0
        for (s, segment) in segments.enumerated() {
            for cut in 0...sizes[s] {
                copyDirectory(original.path, to: work.path)
                for later in segments[(s + 1)...] {
                    try FileManager.default.removeItem(atPath: work.file(later))
                    try? FileManager.default.removeItem(
                        atPath: work.file(later.replacingOccurrences(of: ".seg", with: ".idx")))
                }
                let handle = try #require(FileHandle(forWritingAtPath: work.file(segment)))
                try handle.truncate(atOffset: UInt64(cut))
                try handle.close()

                // The events that lie in frames wholly before the cut.
                let kept = allFrames.filter { entry in
                    let index = segments.firstIndex(of: entry.segment)!
                    return index < s || (index == s && entry.frame.end <= Int64(cut))
                }.reduce(0) { $0 + Int($1.frame.count) }

                let journal = try Journal.open(
                    directory: work.path, options: quiet(smallOptions(segmentSize: 4096)), fileSystem: fast)
                #expect(journal.lastSeq == UInt64(kept), "cut \(segment) at \(cut)")
                let next = try await journal.append(Events.person(10_000))
                #expect(next == UInt64(kept + 1))
                await journal.close()
                let events = try JournalReader(directory: work.path, fileSystem: fast).events(in: 1...UInt64(kept + 1))
                #expect(
                    events.map(\.event) == Array(acknowledged.prefix(kept)) + [Events.person(10_000)],
                    "cut \(segment) at \(cut)")
                let report = try JournalVerification.verify(directory: work.path, fileSystem: fast)
                #expect(report.verdict == .sound, "cut \(segment) at \(cut): \(report.findings)")
                checked += 1
            }
        }
        #expect(checked == sizes.reduce(0, +) + sizes.count)
    }

    @Test func verifyDetectsEveryFlippedByte() async throws {
        let original = TemporaryDirectory("original")
        _ = try await makeJournal(original, events: 90)
        let segments = original.segments
        try #require(segments.count >= 2)
        let work = TemporaryDirectory("work")
        copyDirectory(original.path, to: work.path)
        for segment in segments {
            let bytes = readBytes(original.file(segment))
            defer { writeBytes(bytes, to: work.file(segment)) }
            for offset in bytes.indices {
                var damaged = bytes
                damaged[offset] ^= 0x20
                writeBytes(damaged, to: work.file(segment))
                let report = try JournalVerification.verify(directory: work.path)
                #expect(report.verdict != .sound, "flipping byte \(offset) of \(segment) went unnoticed")
                if segment != segments.last {
                    #expect(report.verdict == .corrupt, "damage in sealed \(segment) at \(offset) is not a torn tail")
                }
                for finding in report.findings where finding.segment.hasSuffix(".seg") {
                    #expect(segments.contains(finding.segment))
                }
            }
        }
    }

    @Test func aBadFrameFollowedByGoodFramesIsCorruptionNotATornTail() async throws {
        let directory = TemporaryDirectory()
        let journal = try Journal.open(
            directory: directory.path, options: smallOptions(segmentSize: 1 << 20, maxFrameEvents: 5))
        for start in stride(from: 0, to: 50, by: 5) {
            try await journal.append(contentsOf: Events.people(start..<start + 5))
        }
        await journal.close()
        let segment = try #require(directory.segments.first)
        let second = try frames(directory.path)[1].frame
        var bytes = readBytes(directory.file(segment))
        bytes[Int(second.offset) + 70] ^= 0xFF
        writeBytes(bytes, to: directory.file(segment))

        let error = try #require(throws: JournalError.self) {
            try Journal.open(directory: directory.path, options: smallOptions())
        }
        #expect(error.code == .corruption)
        #expect(error.location == .init(segment: segment, offset: second.offset, seq: 6))
        #expect(error.message.hasPrefix("frame fails its checksum"))
        #expect(error.message.contains("valid frames follow, so this is not a torn tail"))
        #expect(try JournalVerification.verify(directory: directory.path).verdict == .corrupt)
        // Nothing was changed by the refused open.
        #expect(readBytes(directory.file(segment)) == bytes)
    }

    @Test func aMissingSegmentIsCorruptionNamingTheMissingSeqs() async throws {
        let directory = TemporaryDirectory()
        _ = try await makeJournal(directory)
        let segments = directory.segments
        try #require(segments.count >= 3)
        try FileManager.default.removeItem(atPath: directory.file(segments[1]))
        let third = try #require(SegmentName(fileName: segments[2]))
        let second = try #require(SegmentName(fileName: segments[1]))
        let error = try #require(throws: JournalError.self) {
            try Journal.open(directory: directory.path, options: smallOptions())
        }
        #expect(error.code == .corruption)
        #expect(error.location?.segment == segments[2])
        #expect(
            error.message.hasPrefix(
                "segment starts at seq \(third.firstSeq) but the previous segment ends at seq \(second.firstSeq - 1): seqs \(second.firstSeq)–\(third.firstSeq - 1) are missing (a segment file is gone)"
            ))
        let report = try JournalVerification.verify(directory: directory.path)
        #expect(report.verdict == .corrupt)
    }

    @Test func aSegmentFromAnotherJournalIsRefused() async throws {
        let first = TemporaryDirectory("a")
        let second = TemporaryDirectory("b")
        _ = try await makeJournal(first)
        _ = try await makeJournal(second)
        let victim = first.segments[1]
        try FileManager.default.removeItem(atPath: first.file(victim))
        try FileManager.default.copyItem(atPath: second.file(victim), toPath: first.file(victim))
        let report = try JournalVerification.verify(directory: first.path)
        #expect(report.verdict == .corrupt)
        #expect(report.findings.contains { $0.segment == victim && $0.message.hasPrefix("segment belongs to journal") })
    }

    @Test func aGapInsideASegmentIsCorruption() throws {
        let directory = TemporaryDirectory()
        let encoder = try FrameEncoder(compressionLevel: 1)
        let header = SegmentHeader(journalID: UUID(), epoch: 1, firstSeq: 1, previousLastSeq: 0, previousChecksum: 0)
        let one = try encoder.encode(Events.people(0..<3)[...], epoch: 1, firstSeq: 1, previousChecksum: 0)
        let gap = try encoder.encode(
            Events.people(3..<6)[...], epoch: 1, firstSeq: 5, previousChecksum: one.header.checksum)
        let name = SegmentName(epoch: 1, firstSeq: 1).fileName
        writeBytes(header.serialized() + one.bytes + gap.bytes, to: directory.file(name))
        let report = try JournalVerification.verify(directory: directory.path)
        #expect(
            report.findings.map(\.description) == [
                "corruption: segment \(name), offset \(64 + one.bytes.count), seq 5: frame starts at seq 5 where seq 4 was expected (a gap or overlap)"
            ])
        #expect(throws: JournalError.self) { try Journal.open(directory: directory.path, options: smallOptions()) }
    }

    @Test func aBrokenChainIsCorruption() throws {
        let directory = TemporaryDirectory()
        let encoder = try FrameEncoder(compressionLevel: 1)
        let header = SegmentHeader(journalID: UUID(), epoch: 1, firstSeq: 1, previousLastSeq: 0, previousChecksum: 0)
        let one = try encoder.encode(Events.people(0..<3)[...], epoch: 1, firstSeq: 1, previousChecksum: 0)
        let two = try encoder.encode(Events.people(3..<6)[...], epoch: 1, firstSeq: 4, previousChecksum: 0xDEAD_BEEF)
        let name = SegmentName(epoch: 1, firstSeq: 1).fileName
        writeBytes(header.serialized() + one.bytes + two.bytes, to: directory.file(name))
        let report = try JournalVerification.verify(directory: directory.path)
        #expect(report.verdict == .corrupt)
        #expect(
            report.findings.first?.message
                == "frame's chain link 0xdeadbeef does not match the previous frame's checksum \(hex(one.header.checksum))"
        )
    }

    @Test func aTornTailIsCopiedAsideAndCut() async throws {
        let directory = TemporaryDirectory()
        let acknowledged = try await makeJournal(directory, events: 30)
        let last = try #require(directory.segments.last)
        let original = readBytes(directory.file(last))
        writeBytes(original + Array(original[64..<200]), to: directory.file(last))

        let report = try JournalVerification.verify(directory: directory.path)
        #expect(report.verdict == .tornTail)
        #expect(report.findings.count == 1)

        let journal = try Journal.open(directory: directory.path, options: smallOptions())
        let finding = try #require(journal.recoveredTornTail)
        #expect(finding.segment == last)
        #expect(finding.offset == Int64(original.count))
        #expect(finding.seq == 31)
        await journal.close()
        #expect(readBytes(directory.file(last)) == original)
        let kept = try FileManager.default.contentsOfDirectory(atPath: directory.file("torn"))
        #expect(kept == ["\(last).\(original.count).torn"])
        #expect(readBytes(directory.file("torn/\(kept[0])")) == original + Array(original[64..<200]))
        #expect(try readAll(directory.path).map(\.event) == acknowledged)
    }

    @Test func verifyNeverModifiesTheJournal() async throws {
        let directory = TemporaryDirectory()
        _ = try await makeJournal(directory, events: 30)
        let last = try #require(directory.segments.last)
        let torn = readBytes(directory.file(last)) + [0x54, 0x46, 0x52]
        writeBytes(torn, to: directory.file(last))
        let before = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        _ = try JournalVerification.verify(directory: directory.path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == before)
        #expect(readBytes(directory.file(last)) == torn)
    }
}

@Suite struct FrameTypeTests {
    /// A segment holding events, then a frame of a type this build does not know.
    private func segment(unknownType: UInt16) throws -> (TemporaryDirectory, String) {
        let directory = TemporaryDirectory()
        let encoder = try FrameEncoder(compressionLevel: 1)
        let header = SegmentHeader(journalID: UUID(), epoch: 1, firstSeq: 1, previousLastSeq: 0, previousChecksum: 0)
        let one = try encoder.encode(Events.people(0..<3)[...], epoch: 1, firstSeq: 1, previousChecksum: 0)
        var unknownHeader = FrameHeader(
            storedLength: 5, checksum: 0, previousChecksum: one.header.checksum, type: unknownType, codec: 0, flags: 0,
            count: 0, epoch: 1, firstSeq: 4, earliestTimeMicroseconds: 0, latestTimeMicroseconds: 0, inflatedLength: 5)
        var unknown = unknownHeader.serialized() + Array("hello".utf8)
        unknownHeader.checksum = unknown.withUnsafeBytes { raw in
            FrameHeader.computeChecksum(
                header: UnsafeRawBufferPointer(rebasing: raw[0..<64]),
                payload: UnsafeRawBufferPointer(rebasing: raw[64...]))
        }
        unknown.storeLittleEndian(unknownHeader.checksum, at: 8)
        let two = try encoder.encode(
            Events.people(3..<6)[...], epoch: 1, firstSeq: 4, previousChecksum: unknownHeader.checksum)
        let name = SegmentName(epoch: 1, firstSeq: 1).fileName
        writeBytes(header.serialized() + one.bytes + unknown + two.bytes, to: directory.file(name))
        return (directory, name)
    }

    @Test func readersSkipFramesMarkedIgnorable() async throws {
        let (directory, _) = try segment(unknownType: FormatV1.frameTypeIgnorableBit | 0x0042)
        #expect(try JournalVerification.verify(directory: directory.path).verdict == .sound)
        #expect(try readAll(directory.path).map(\.event) == Events.people(0..<6))
        let journal = try Journal.open(directory: directory.path, options: smallOptions())
        #expect(try await journal.append(Events.person(6)) == 7)
        await journal.close()
    }

    @Test func unknownFramesNotMarkedIgnorableAreRefused() throws {
        let (directory, name) = try segment(unknownType: 0x0042)
        let report = try JournalVerification.verify(directory: directory.path)
        #expect(report.verdict == .corrupt)
        let finding = try #require(report.findings.first)
        #expect(finding.segment == name)
        #expect(finding.message.hasPrefix("frame type 66 is not known to this version and is not marked ignorable"))
        let error = try #require(throws: JournalError.self) {
            try Journal.open(directory: directory.path, options: smallOptions())
        }
        #expect(error.code == .unsupportedVersion)
        #expect(error.location?.offset == finding.offset)
    }
}
