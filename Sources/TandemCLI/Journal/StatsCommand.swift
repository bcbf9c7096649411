import ArgumentParser
import Foundation
import TandemEngine
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

    @Option(help: "A configuration file: also show the restore window and what retention will keep.")
    var config: String?

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        global.bootstrapLogging()
        try await runReportingErrors {
            let stats = try JournalStatistics.collect(directory: directory)
            let retention = try config.map { try Self.retentionSection(configPath: $0, directory: directory) }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                var object = try JSONSerialization.jsonObject(with: encoder.encode(stats)) as! [String: Any]
                object["compressionRatio"] = (stats.compressionRatio * 100).rounded() / 100
                if let retention { object["retention"] = retention.json }
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
            for line in retention?.lines ?? [] { Terminal.print(line) }
        }
    }

    /// What retention will keep, as lines and as JSON.
    static func retentionSection(configPath: String, directory: String) throws -> (lines: [String], json: [String: Any])
    {
        let configuration = try ConfigurationLoader.load(path: configPath)
        let checkpoints = EngineCheckpoints(directory: configuration.dataDirectory + "/checkpoints")
        let policy = configuration.retention ?? RetentionPolicy(restoreWindow: .zero)
        let plan = try RetentionPlan.make(
            reader: try JournalReader(directory: directory), checkpoints: checkpoints,
            policy: policy,
            now: JournalClock.nowMicroseconds())
        func seconds(_ d: Duration?) -> String { d.map { "\($0.components.seconds) s" } ?? "none" }
        var lines = [
            configuration.retention == nil
                ? "retention:   not configured: everything is kept"
                : "retention:   maxAge \(seconds(policy.maxAge)), maxBytes \(policy.maxBytes.map(String.init) ?? "none"), "
                    + "restoreWindow \(seconds(policy.restoreWindow))",
            "restorable:  from seq \(plan.oldestRestorableSeq.map(String.init) ?? "-")"
                + (plan.oldestRestorableTime.map { " (\(Terminal.formatTime(microseconds: $0)))" } ?? ""),
        ]
        if configuration.retention != nil {
            lines.append(
                "keeps:       \(plan.keptSegments.count) segments (\(Terminal.formatBytes(plan.keptBytes))), "
                    + "\(plan.keptCheckpoints.count) checkpoints")
            lines.append(
                "removes:     \(plan.removedSegments.count) segments (\(Terminal.formatBytes(plan.removedBytes))), "
                    + "\(plan.removedCheckpoints.count) checkpoints"
                    + (plan.cut.map { "; cut at the checkpoint at seq \($0.seq)" } ?? ""))
            if plan.windowExceedsMaxBytes {
                lines.append("warning:     the restore window alone is larger than maxBytes; it is kept whole")
            }
        }
        let json: [String: Any] = [
            "configured": configuration.retention != nil,
            "oldestRestorableSeq": plan.oldestRestorableSeq.map { $0 as Any } ?? NSNull(),
            "keptSegments": plan.keptSegments.map(\.name), "removedSegments": plan.removedSegments.map(\.name),
            "keptCheckpoints": plan.keptCheckpoints.map(\.seq),
            "removedCheckpoints": plan.removedCheckpoints.map(\.seq),
            "keptBytes": plan.keptBytes, "removedBytes": plan.removedBytes,
            "windowExceedsMaxBytes": plan.windowExceedsMaxBytes,
        ]
        return (lines, json)
    }
}
