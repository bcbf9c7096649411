import Foundation
import TandemTestSupport
import Testing

@testable import TandemJournal

/// The golden journals under Journal/golden/ were written by each format version. Every later
/// build must read them exactly: a failure here means the format changed without a new version.
@Suite struct GoldenJournalTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let v1 = packageRoot + "/Journal/golden/v1"

    /// What the v1 golden journal holds: 3,000 events in two epochs, in batches of varying size.
    enum V1 {
        static let journalID = UUID(uuidString: "7A4D0E55-0C1B-4F5A-9E0B-5A1D6E2C3B4F")!
        static let eventCount = 3_000
        static let epochTwoFrom = 2_001
        static let batchSizes = [1, 7, 50, 3, 200, 13]

        static func event(_ index: Int) -> JournalEvent {
            let types: [UInt16] = [1, 2, 3, 17, 0x8001]
            let payload: [UInt8] =
                switch index % 5 {
                case 4: (0..<(index % 97)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }  // binary
                default: Events.person(index).payload
                }
            return JournalEvent(
                type: types[index % types.count],
                timeMicroseconds: 1_767_225_600_000_000 + Int64(index) * 250_000 - Int64(index % 3) * 1_000,
                payload: payload)
        }

        static var expected: [StoredEvent] {
            (0..<eventCount).map { i in
                StoredEvent(seq: UInt64(i + 1), epoch: i + 1 >= epochTwoFrom ? 2 : 1, event: event(i))
            }
        }

        static func write(to directory: String) async throws {
            var options = JournalOptions()
            options.journalID = journalID
            options.segmentSizeBytes = 16 << 10
            options.maxFrameEvents = 64
            options.compressionLevel = 1  // the default when the golden files were written
            let journal = try Journal.open(directory: directory, options: options)
            var index = 0
            var batch = 0
            while index < eventCount {
                if index + 1 == epochTwoFrom { try await journal.beginEpoch(2) }
                var size = batchSizes[batch % batchSizes.count]
                batch += 1
                size = min(size, eventCount - index, index + 1 < epochTwoFrom ? epochTwoFrom - 1 - index : Int.max)
                try await journal.append(contentsOf: (index..<index + size).map(event))
                index += size
            }
            await journal.close()
            try? FileManager.default.removeItem(atPath: directory + "/LOCK")
        }
    }

    /// Regenerates the golden files only when asked: `TANDEM_WRITE_GOLDEN=DIR swift test --filter writeGolden`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["TANDEM_WRITE_GOLDEN"] != nil))
    func writeGolden() async throws {
        let directory = try #require(ProcessInfo.processInfo.environment["TANDEM_WRITE_GOLDEN"])
        try await V1.write(to: directory)
    }

    @Test func goldenFilesAreUnchanged() async throws {
        let check = try await ChildProcess.capture(
            ["/usr/bin/env", "sha256sum", "--check", "--strict", "--quiet", "SHA256SUMS"], directory: Self.v1)
        #expect(check.status == 0, "Journal/golden/v1 was edited: golden files are never changed\n\(check.output)")
    }

    /// The writer makes the golden journal's files byte for byte, so a change to how frames are made (such as
    /// compressing a commit's frames on several cores, which its batches of up to 200 events in frames of 64
    /// exercise) cannot change what is written.
    @Test func thisBuildWritesTheGoldenJournalByteForByte() async throws {
        let temporary = TemporaryDirectory("golden")
        let directory = temporary.path
        try await V1.write(to: directory)
        try FileManager.default.copyItem(atPath: Self.v1 + "/SHA256SUMS", toPath: directory + "/SHA256SUMS")
        let check = try await ChildProcess.capture(
            ["/usr/bin/env", "sha256sum", "--check", "--strict", "--quiet", "SHA256SUMS"], directory: directory)
        #expect(check.status == 0, "this build writes the golden journal differently\n\(check.output)")
    }

    @Test func version1ReadsBackExactly() throws {
        let report = try JournalVerification.verify(directory: Self.v1)
        #expect(report.verdict == .sound, "\(report.findings)")
        #expect(report.events == UInt64(V1.eventCount))
        #expect(report.segments >= 3)
        let reader = try JournalReader(directory: Self.v1)
        #expect(reader.journalID == V1.journalID)
        let events = try reader.events(in: 1...UInt64(V1.eventCount))
        #expect(events == V1.expected)
        #expect(try reader.events(in: 1_999...2_002) == Array(V1.expected[1_998..<2_002]))
        let stats = try JournalStatistics.collect(directory: Self.v1)
        #expect(stats.epochs == [1, 2])
    }

    @Test func aVersion1JournalCanBeContinued() async throws {
        let directory = TemporaryDirectory("golden-copy")
        try FileManager.default.removeItem(atPath: directory.path)
        try FileManager.default.copyItem(atPath: Self.v1, toPath: directory.path)
        try? FileManager.default.removeItem(atPath: directory.file("SHA256SUMS"))
        let journal = try Journal.open(directory: directory.path, options: smallOptions(segmentSize: 16 << 10))
        #expect(journal.recoveredTornTail == nil)
        #expect(try await journal.append(Events.person(0)) == UInt64(V1.eventCount + 1))
        await journal.close()
        #expect(try JournalVerification.verify(directory: directory.path).verdict == .sound)
    }
}
