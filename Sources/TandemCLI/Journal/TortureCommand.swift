import ArgumentParser
import Foundation
import TandemJournal

/// A hidden load generator for crash tests: appends from several tasks and prints one line per
/// acknowledged append, so that a test can kill it at any moment and check that every
/// acknowledged event survived.
struct TortureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "torture",
        abstract: "Append deterministic events from concurrent tasks, printing each acknowledgment (for crash tests).",
        discussion:
            "Prints 'ack FIRST LAST TAG' after each durable append. Payloads follow from TAG: see payload(tag:index:).",
        shouldDisplay: false
    )

    @Argument var directory: String
    @Option var tasks = 4
    @Option var appendsPerTask = 1_000_000
    @Option var segmentSize = 64 << 10
    @OptionGroup var global: GlobalOptions

    static func payload(tag: String, index: Int) -> [UInt8] {
        let filler = String(repeating: "\(tag.count % 10)", count: 40 + (tag.utf8.reduce(0) { $0 &+ Int($1) } % 200))
        return Array("{\"tag\":\"\(tag)\",\"index\":\(index),\"filler\":\"\(filler)\"}".utf8)
    }

    func run() async throws {
        global.bootstrapLogging()
        try await runReportingErrors {
            var options = JournalOptions()
            options.segmentSizeBytes = segmentSize
            let journal = try Journal.open(directory: directory, options: options)
            Terminal.print("ready \(journal.lastSeq)")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<tasks {
                    group.addTask {
                        for n in 0..<appendsPerTask {
                            let tag = "p\(getpid())t\(task)n\(n)"
                            let count = 1 + (n % 4)
                            let events = (0..<count).map {
                                JournalEvent(
                                    type: UInt16(1 + task), timeMicroseconds: JournalClock.nowMicroseconds(),
                                    payload: Self.payload(tag: tag, index: $0))
                            }
                            let seqs = try await journal.append(contentsOf: events)
                            Terminal.print("ack \(seqs.lowerBound) \(seqs.upperBound) \(tag)")
                        }
                    }
                }
                try await group.waitForAll()
            }
            await journal.close()
        }
    }
}
