import ArgumentParser
import Foundation
import TandemJournal

/// `tandem journal tour`: the journal on generated identity data: write, inspect, verify,
/// measure, crash mid-write, recover.
struct JournalTourCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tour",
        abstract:
            "Write a journal of generated identity events, inspect and verify it, then recover from a simulated crash.",
        discussion:
            "Needs no server. Leaves the journal in DIR/journal so that every 'tandem journal' command works on it."
    )

    @Option(help: "Where to put the tour's data (created if missing; a previous tour's journal there is replaced).")
    var dir = "tandem-tour"

    @Option(help: "How many person records to import.")
    var people = 10_000

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard (1...10_000_000).contains(people) else { throw ValidationError("--people must be 1–10000000") }
    }

    func run() async throws {
        global.bootstrapLogging()
        try await runReportingErrors {
            try await tour()
        }
    }

    private func tour() async throws {
        let manager = FileManager.default
        let journalDirectory = (dir as NSString).appendingPathComponent("journal")
        let marker = (dir as NSString).appendingPathComponent(".tandem-tour")
        if manager.fileExists(atPath: journalDirectory) {
            guard manager.fileExists(atPath: marker) else {
                throw CLIFailure(
                    message:
                        "\(journalDirectory) exists and was not made by 'tandem journal tour'; choose another --dir")
            }
            try manager.removeItem(atPath: journalDirectory)
        }
        try manager.createDirectory(atPath: dir, withIntermediateDirectories: true)
        _ = manager.createFile(atPath: marker, contents: Data("made by tandem journal tour\n".utf8))

        var options = JournalOptions()
        options.segmentSizeBytes = 1 << 20  // small, so the demo shows segments rolling
        Terminal.print("== 1. Import \(people) people into a new journal at \(journalDirectory)")
        var journal = try Journal.open(directory: journalDirectory, options: options)
        let clock = ContinuousClock()
        var rawBytes = 0
        let importTime = try await clock.measure {
            var index = 0
            while index < people {
                let page = (index..<min(index + 1000, people)).map { i -> JournalEvent in
                    JournalEvent(
                        type: 1, timeMicroseconds: JournalClock.nowMicroseconds(), payload: SampleIdentities.record(i))
                }
                rawBytes += page.reduce(0) { $0 + $1.payload.count }
                try await journal.append(contentsOf: page)
                index += page.count
            }
        }
        Terminal.print(
            "   \(people) events in pages of 1,000, each page durable (fdatasync) before the next: \(Self.seconds(importTime))"
        )

        Terminal.print("== 2. 64 concurrent single-event appends share frames (group commit)")
        let framesBefore = try JournalStatistics.collect(directory: journalDirectory).frames
        let writer = journal
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<64 {
                group.addTask {
                    try await writer.append(
                        JournalEvent(
                            type: 2, timeMicroseconds: JournalClock.nowMicroseconds(),
                            payload: SampleIdentities.record(i, revision: 1)))
                }
            }
            try await group.waitForAll()
        }
        let framesAfter = try JournalStatistics.collect(directory: journalDirectory).frames
        Terminal.print("   64 acknowledged appends were written as \(framesAfter - framesBefore) frame(s)")
        let lastSeq = journal.lastSeq
        await journal.close()

        Terminal.print("== 3. tandem journal inspect \(journalDirectory) --from 1 --to 2")
        for event in try JournalReader(directory: journalDirectory).events(in: 1...2) {
            Terminal.print("   " + InspectCommand.textLine(event).prefix(160) + "…")
        }

        Terminal.print("== 4. tandem journal stats \(journalDirectory)")
        let stats = try JournalStatistics.collect(directory: journalDirectory)
        Terminal.print(
            "   \(stats.events) events in \(stats.frames) frames and \(stats.segments) segments; \(Terminal.formatBytes(stats.rawBytes)) of events stored in \(Terminal.formatBytes(stats.storedBytes)): \(String(format: "%.2f", stats.compressionRatio))× smaller"
        )

        Terminal.print("== 5. tandem journal verify \(journalDirectory)")
        let sound = try JournalVerification.verify(directory: journalDirectory)
        Terminal.print(
            "   \(sound.verdict.rawValue): every checksum, chain link, seq and payload checked (\(sound.frames) frames)"
        )

        Terminal.print("== 6. A crash in the middle of a write: half a frame at the end of the newest segment")
        let newest = try manager.contentsOfDirectory(atPath: journalDirectory).filter { $0.hasSuffix(".seg") }.sorted()
            .last!
        let newestPath = (journalDirectory as NSString).appendingPathComponent(newest)
        let lastFrame = try Self.lastFrameBytes(journalDirectory: journalDirectory, lastSeq: lastSeq)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: newestPath))
        try handle.seekToEnd()
        try handle.write(contentsOf: lastFrame.prefix(lastFrame.count / 2))
        try handle.close()
        let torn = try JournalVerification.verify(directory: journalDirectory)
        for finding in torn.findings { Terminal.print("   verify: \(finding)") }
        Terminal.print("   verdict: \(torn.verdict.rawValue) (tandem journal verify exits 3)")

        Terminal.print("== 7. Reopening recovers: the torn frame is copied aside and cut; nothing acknowledged is lost")
        journal = try Journal.open(directory: journalDirectory, options: options)
        if let recovered = journal.recoveredTornTail { Terminal.print("   recovered \(recovered)") }
        let reopenedLast = journal.lastSeq
        await journal.close()
        let after = try JournalVerification.verify(directory: journalDirectory)
        Terminal.print("   last seq \(reopenedLast) (was \(lastSeq)); verify: \(after.verdict.rawValue)")
        guard reopenedLast == lastSeq, after.verdict == .sound else {
            throw CLIFailure(
                message: "the demo's recovery check failed: last seq \(reopenedLast), verdict \(after.verdict)")
        }

        Terminal.print("")
        Terminal.print("Try: tandem journal inspect \(journalDirectory) --from \(lastSeq - 2) --json")
        Terminal.print("     tandem journal stats \(journalDirectory)")
        Terminal.print("     tandem journal verify \(journalDirectory)")
    }

    /// A copy of the bytes of the frame holding `lastSeq`, to fake a torn write with.
    private static func lastFrameBytes(journalDirectory: String, lastSeq: UInt64) throws -> [UInt8] {
        let cursor = try JournalReader(directory: journalDirectory).cursor(from: lastSeq)
        guard let frame = try cursor.nextFrame() else { throw CLIFailure(message: "the journal has no frames") }
        return frame.bytes
    }

    private static func seconds(_ duration: Duration) -> String {
        let (s, atto) = duration.components
        return String(format: "%.2f s", Double(s) + Double(atto) / 1e18)
    }
}
