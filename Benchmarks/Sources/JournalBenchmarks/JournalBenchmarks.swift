import ArgumentParser
import BenchmarkSupport
import Foundation
import Logging
import TandemJournal

/// Measures the journal's append, group-commit and read-back throughput and its compression,
/// each beside a baseline measured on the same bytes in the same run, and prints a Markdown report.
@main
struct JournalBenchmarks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "JournalBenchmarks",
        abstract: "Benchmarks the Tandem journal against gzip, zcat and pwrite + fdatasync.",
        discussion: "Progress goes to standard error; the Markdown report goes to standard output.")

    @Option(help: "Events for bulk append, read-back and compression (about 400 bytes each).")
    var events = 250_000

    @Option(help: "Events per awaited append(contentsOf:) in the bulk append.")
    var batchSize = 1_000

    @Option(help: "Concurrent tasks appending single events.")
    var tasks = 16

    @Option(help: "Single-event appends in all, shared among the tasks.")
    var singleEvents = 16_000

    @Option(help: "Events written by the pwrite + fdatasync baseline.")
    var syncEvents = 1_000

    @Option(help: "The journal's zlib level (JournalOptions.compressionLevel); default: the journal's default.")
    var compressionLevel: Int32?

    @Option(help: "The journal's group-commit window in microseconds (JournalOptions.groupCommitWindow); default: 0.")
    var groupCommitWindow: Int?

    @Option(help: "Passes of each measurement; the report gives the median.")
    var runs = 3

    @Option(help: "Where to create the scratch folder (default: the temporary directory).")
    var dir: String?

    @Flag(help: "Keep the scratch folder (journals and gzip files) afterwards.")
    var keep = false

    func validate() throws {
        guard events >= batchSize, batchSize > 0 else {
            throw ValidationError("--events must be at least --batch-size (> 0)")
        }
        guard tasks > 0, singleEvents >= tasks else {
            throw ValidationError("--single-events must be at least --tasks (> 0)")
        }
        if let level = compressionLevel, !(1...9).contains(level) {
            throw ValidationError("--compression-level must be 1–9")
        }
        if let window = groupCommitWindow, !(0...1_000_000).contains(window) {
            throw ValidationError("--group-commit-window must be 0–1000000 microseconds")
        }
        guard syncEvents > 0, runs > 0 else { throw ValidationError("--sync-events and --runs must be positive") }
    }

    func run() async throws {
        let scratch = try ScratchDirectory(parent: dir)
        defer { if !keep { scratch.removeAll() } }
        progress("scratch folder: \(scratch.path)")

        progress("generating \(Format.count(max(events, singleEvents, syncEvents))) identity events")
        let workload = IdentityEvents(count: max(events, singleEvents, syncEvents))
        let bulk = Array(workload.events.prefix(events))
        let bulkBytes = bulk.reduce(0) { $0 + $1.payload.count }

        var report = BenchmarkReport(
            facts: MachineFacts.collect(directory: scratch.path), workload: workloadDescription(bulkBytes: bulkBytes))

        let raw = workload.concatenatedPayloads(ofFirst: events)
        let rawPath = scratch.file("events.jsonl")
        try Data(raw).write(to: URL(fileURLWithPath: rawPath))
        let gzip = GzipBaseline(rawPath: rawPath, compressedPath: scratch.file("events.jsonl.gz"))

        let bulkJournal = scratch.file("bulk-journal")
        report.rows.append(
            try await measureBulkAppend(bulk, bytes: bulkBytes, into: bulkJournal, scratch: scratch, gzip: gzip))
        let (appendRow, appendNote) = try await measureConcurrentAppends(
            Array(workload.events.prefix(singleEvents)),
            syncPayloads: workload.events.prefix(syncEvents).map(\.payload), scratch: scratch)
        report.rows.append(appendRow)
        report.notes.append(appendNote)
        let (readRow, readNote) = try await measureReadBack(bulkJournal, events: events, bytes: bulkBytes, gzip: gzip)
        report.rows.append(readRow)
        report.notes.append(readNote)
        let (ratioRow, ratioNote) = try measureCompression(
            bulkJournal, rawBytes: bulkBytes, scratch: scratch, gzip: gzip)
        report.rows.append(ratioRow)
        report.notes.append(ratioNote)

        report.loadAverageAtEnd = MachineFacts.loadAverage()
        print("# Tandem journal benchmarks")
        print("")
        print(report.markdown)
    }

    /// The workload section of the report.
    private func workloadDescription(bulkBytes: Int) -> [String] {
        let options = journalOptions
        return [
            "\(Format.count(events)) identity events (deterministic JSON lines, times 0.2–1.8 ms apart) "
                + "of \(Format.count(bulkBytes / events)) bytes on average: \(Format.megabytes(bulkBytes)) raw",
            "bulk append: batches of \(Format.count(batchSize)); single events: \(Format.count(singleEvents)) "
                + "from \(tasks) tasks; sync baseline: \(Format.count(syncEvents)) events",
            "\(runs) passes of each measurement, journal and baseline alternating, each after a sync(2); "
                + "medians reported",
            "journal options: \(options.segmentSizeBytes >> 20) MiB segments, at most \(options.maxFrameEvents) "
                + "events per frame, zlib level \(options.compressionLevel), group-commit window "
                + "\(Format.milliseconds(options.groupCommitWindow.seconds))"
                + (compressionLevel == nil && groupCommitWindow == nil
                    ? " (the defaults)" : " (set on the command line)"),
        ]
    }

    /// Journal options for every measurement: the defaults, with info logging quieted and the
    /// compression level from the command line, if given.
    var journalOptions: JournalOptions {
        var options = JournalOptions()
        options.logger.logLevel = .warning
        if let compressionLevel { options.compressionLevel = compressionLevel }
        if let groupCommitWindow { options.groupCommitWindow = .microseconds(groupCommitWindow) }
        return options
    }
}

/// Writes a progress line to standard error, keeping standard output for the report.
func progress(_ message: String) {
    FileHandle.standardError.write(Data("[JournalBenchmarks] \(message)\n".utf8))
}
