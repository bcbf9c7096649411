import ArgumentParser
import Foundation
import TandemJournal

struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show a journal's events, frames, segments, seq and time range, sizes and compression ratio.",
        discussion: "Reads frame headers and segment indexes only; nothing is inflated."
    )

    @Argument(help: "The journal directory.")
    var directory: String

    @Flag(help: "Print one JSON object.")
    var json = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        global.bootstrapLogging()
        try await runReportingErrors {
            let stats = try JournalStatistics.collect(directory: directory)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                var object = try JSONSerialization.jsonObject(with: encoder.encode(stats)) as! [String: Any]
                object["compressionRatio"] = (stats.compressionRatio * 100).rounded() / 100
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                Terminal.print(String(decoding: data, as: UTF8.self))
                return
            }
            func seq(_ value: UInt64?) -> String { value.map(String.init) ?? "-" }
            func time(_ value: Int64?) -> String { value.map(Terminal.formatTime(microseconds:)) ?? "-" }
            Terminal.print("events:      \(stats.events)")
            Terminal.print(
                "frames:      \(stats.frames) (\(stats.frames > 0 ? String(format: "%.1f", Double(stats.events) / Double(stats.frames)) : "0") events per frame)"
            )
            Terminal.print("segments:    \(stats.segments)")
            Terminal.print("epochs:      \(stats.epochs.map(String.init).joined(separator: ", "))")
            Terminal.print("first seq:   \(seq(stats.firstSeq))   \(time(stats.firstTimeMicroseconds))")
            Terminal.print("last seq:    \(seq(stats.lastSeq))   \(time(stats.lastTimeMicroseconds))")
            Terminal.print("raw bytes:   \(stats.rawBytes) (\(Terminal.formatBytes(stats.rawBytes)))")
            Terminal.print("on disk:     \(stats.storedBytes) (\(Terminal.formatBytes(stats.storedBytes)))")
            Terminal.print("ratio:       \(String(format: "%.2f", stats.compressionRatio))×")
        }
    }
}
