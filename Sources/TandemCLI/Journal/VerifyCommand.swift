import ArgumentParser
import TandemJournal

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every segment, frame, checksum, chain link and seq of a journal. Never modifies it.",
        discussion: """
            Exit status: 0 the journal is sound; 3 only a torn tail (an incomplete last write, \
            recoverable with 'tandem journal repair DIR --truncate-torn-tail' or by opening the journal); \
            4 corruption (damage that truncation cannot explain). Each problem is printed with its \
            segment, byte offset and seq.
            """
    )

    @Argument(help: "The journal directory.")
    var directory: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        global.bootstrapLogging()
        try await runReportingErrors {
            let report = try JournalVerification.verify(directory: directory)
            var summary =
                "\(report.directory): \(report.segments) segment(s), \(report.frames) frame(s), \(report.events) event(s)"
            if let first = report.firstSeq, let last = report.lastSeq { summary += ", seq \(first)–\(last)" }
            Terminal.print(summary)
            for finding in report.findings { Terminal.print(finding.description) }
            switch report.verdict {
            case .sound:
                Terminal.print("sound")
            case .tornTail:
                Terminal.print(
                    "torn tail only: recoverable with 'tandem journal repair \(directory) --truncate-torn-tail'")
                throw ExitCode(3)
            case .corrupt:
                Terminal.print("corrupt: the journal must not be opened for writing until the damage is dealt with")
                throw ExitCode(4)
            }
        }
    }
}

struct RepairCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Repair a journal explicitly: cut a torn tail, keeping a copy of what is cut.",
        discussion: """
            Takes the writer lock, so it refuses to run while a Tandem server writes the journal. \
            Corruption is never repaired automatically: it is reported and nothing is changed.
            """
    )

    @Argument(help: "The journal directory.")
    var directory: String

    @Flag(help: "Truncate an incomplete or damaged last frame; the segment is first copied under DIR/torn/.")
    var truncateTornTail = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard truncateTornTail else {
            throw ValidationError("say which repair to make: --truncate-torn-tail")
        }
    }

    func run() async throws {
        global.bootstrapLogging()
        try await runReportingErrors {
            if let (finding, copy) = try JournalRepair.truncateTornTail(directory: directory) {
                Terminal.print("repaired \(finding)")
                Terminal.print("a copy of the segment before the cut is at \(copy)")
            } else {
                Terminal.print("nothing to repair: the journal has no torn tail")
            }
        }
    }
}
