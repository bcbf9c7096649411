import BenchmarkSupport
import TandemJournal

/// The four measurements, each run `runs` times alternating with its baseline.
extension JournalBenchmarks {
    /// Row 1: durable bulk appends in batches, beside `gzip -1` on the same bytes.
    func measureBulkAppend(
        _ events: [JournalEvent], bytes: Int, into journalDirectory: String, scratch: ScratchDirectory,
        gzip: GzipBaseline
    ) async throws -> ReportRow {
        let benchmark = BulkAppendBenchmark(events: events, batchSize: batchSize, options: journalOptions)
        var journalSeconds: [Double] = []
        var gzipSeconds: [Double] = []
        for pass in 1...runs {
            scratch.remove(journalDirectory)
            try await flushDirtyPages()
            journalSeconds.append(try await benchmark.run(directory: journalDirectory))
            try await flushDirtyPages()
            gzipSeconds.append(try await gzip.compress())
            progress(
                "bulk append pass \(pass): journal \(rate(bytes, journalSeconds)), gzip -1 \(rate(bytes, gzipSeconds))")
        }
        let journal = Statistics.median(journalSeconds)
        let baseline = Statistics.median(gzipSeconds)
        let ratio = baseline / journal
        return ReportRow(
            measurement: "Bulk append, \(Format.count(batchSize))-event batches, each durable before the next",
            journal: Format.megabytesPerSecond(bytes: bytes, seconds: journal),
            baseline: Format.megabytesPerSecond(bytes: bytes, seconds: baseline) + " (gzip -1)",
            ratio: ratio,
            goal: Goal(text: "≥ 0.8× gzip -1", isMet: ratio >= 0.8),
            passes: "journal \(rates(bytes, journalSeconds)); gzip -1 \(rates(bytes, gzipSeconds))")
    }

    /// Row 2: single-event appends from concurrent tasks, beside one `pwrite` + `fdatasync` per event.
    func measureConcurrentAppends(
        _ events: [JournalEvent], syncPayloads: [[UInt8]], scratch: ScratchDirectory
    ) async throws -> (ReportRow, note: String) {
        let benchmark = ConcurrentAppendBenchmark(events: events, taskCount: tasks, options: journalOptions)
        let journalDirectory = scratch.file("concurrent-journal")
        let baselinePath = scratch.file("sync-baseline.dat")
        let baseline = SyncWriteBaseline(path: baselinePath)
        var journal = AppendFigures()
        var sync = AppendFigures()
        var frames: [Double] = []
        for pass in 1...runs {
            scratch.remove(journalDirectory)
            try await flushDirtyPages()
            let journalPass = try await benchmark.run(directory: journalDirectory)
            journal.add(events: events.count, seconds: journalPass.seconds, latencies: journalPass.latencies)
            frames.append(Double(journalPass.frames))
            try await flushDirtyPages()
            let syncPass = try await onDedicatedThread("sync-baseline") { try baseline.run(payloads: syncPayloads) }
            sync.add(events: syncPayloads.count, seconds: syncPass.seconds, latencies: syncPass.latencies)
            progress("single-event pass \(pass): journal \(journal.lastRate), pwrite + fdatasync \(sync.lastRate)")
        }
        scratch.remove(baselinePath)
        let groupSize = Double(events.count) / Statistics.median(frames)
        let note =
            "Row 2: the journal wrote \(Format.list(frames, unit: "frames")) for \(Format.count(events.count)) events, "
            + "each frame one fdatasync: \(Format.number(groupSize, decimals: 1)) events per commit group (median)."
        let row = ReportRow(
            measurement: "Single-event appends from \(tasks) concurrent tasks (group commit)",
            journal: journal.summary,
            baseline: sync.summary + " (pwrite + fdatasync per event, 1 loop)",
            ratio: Statistics.median(journal.rates) / Statistics.median(sync.rates),
            goal: nil,
            passes: "journal \(journal.passes); pwrite + fdatasync \(sync.passes)")
        return (row, note)
    }

    /// Row 3: reading the whole journal back, beside `zcat` of the `gzip -1` file of the same bytes.
    func measureReadBack(
        _ journalDirectory: String, events: Int, bytes: Int, gzip: GzipBaseline
    ) async throws -> (ReportRow, note: String) {
        let benchmark = ReadBackBenchmark(directory: journalDirectory)
        var journalSeconds: [Double] = []
        var openSeconds: [Double] = []
        var zcatSeconds: [Double] = []
        for pass in 1...runs {
            let result = try await onDedicatedThread("read-back") {
                try benchmark.run(expectedEvents: events, expectedBytes: bytes)
            }
            journalSeconds.append(result.seconds)
            openSeconds.append(result.openSeconds)
            zcatSeconds.append(try await gzip.decompress())
            progress("read-back pass \(pass): journal \(rate(bytes, journalSeconds)), zcat \(rate(bytes, zcatSeconds))")
        }
        let journal = Statistics.median(journalSeconds)
        let baseline = Statistics.median(zcatSeconds)
        let ratio = baseline / journal
        let row = ReportRow(
            measurement: "Read the whole journal back (checksums verified, events split out)",
            journal: Format.megabytesPerSecond(bytes: bytes, seconds: journal),
            baseline: Format.megabytesPerSecond(bytes: bytes, seconds: baseline) + " (zcat > /dev/null)",
            ratio: ratio,
            goal: Goal(text: "≥ 1× zcat", isMet: ratio >= 1),
            passes: "journal \(rates(bytes, journalSeconds)); zcat \(rates(bytes, zcatSeconds))")
        let open = Format.milliseconds(Statistics.median(openSeconds))
        let note =
            "Row 3 includes opening the reader, which scans the newest (here the only) segment, checking every "
            + "frame's checksum before the cursor checks it again: \(open) of \(Format.milliseconds(journal)) "
            + "(medians). Both sides read from the page cache."
        return (row, note)
    }

    /// Row 4: raw bytes ÷ bytes on disk, beside gzip -1's ratio on the same bytes.
    func measureCompression(
        _ journalDirectory: String, rawBytes: Int, scratch: ScratchDirectory, gzip: GzipBaseline
    ) throws -> (ReportRow, note: String) {
        let statistics = try JournalStatistics.collect(directory: journalDirectory)
        let gzipBytes = try scratch.size(of: gzip.compressedPath)
        let gzipRatio = Double(rawBytes) / Double(gzipBytes)
        let journal = statistics.compressionRatio
        let journalSizes =
            "\(Format.megabytes(Int(statistics.rawBytes))) → \(Format.megabytes(Int(statistics.storedBytes)))"
        let gzipSizes = "\(Format.megabytes(rawBytes)) → \(Format.megabytes(gzipBytes))"
        let row = ReportRow(
            measurement: "Compression ratio (raw bytes ÷ bytes on disk)",
            journal: "\(Format.ratio(journal)) (\(journalSizes))",
            baseline: "\(Format.ratio(gzipRatio)) (\(gzipSizes), gzip -1)",
            ratio: journal / gzipRatio,
            goal: Goal(text: "≥ 4× raw ÷ on disk", isMet: journal >= 4),
            passes: "one journal (the last bulk pass): \(statistics.segments) segment(s), "
                + "\(Format.count(statistics.frames)) frames")
        let payloadRatio = Double(rawBytes) / Double(statistics.storedBytes)
        let note =
            "Row 4: JournalStatistics counts as raw the inflated frame payloads, which add a few bytes of per-event "
            + "framing (type, time, length varints) to the \(Format.megabytes(rawBytes)) of event payloads; counted on "
            + "payload bytes alone, as gzip's ratio is, the journal's ratio is \(Format.ratio(payloadRatio))."
        return (row, note)
    }

    /// The rate of the last of `seconds`, for progress lines.
    private func rate(_ bytes: Int, _ seconds: [Double]) -> String {
        seconds.last.map { Format.megabytesPerSecond(bytes: bytes, seconds: $0) } ?? "–"
    }

    private func rates(_ bytes: Int, _ seconds: [Double]) -> String {
        Format.list(seconds.map { Double(bytes) / $0 / 1e6 }, unit: "MB/s", decimals: 1)
    }
}

/// Throughput and latency percentiles of the passes of one append measurement.
struct AppendFigures {
    private(set) var rates: [Double] = []
    private var p50s: [Double] = []
    private var p99s: [Double] = []

    mutating func add(events: Int, seconds: Double, latencies: [Double]) {
        rates.append(Double(events) / seconds)
        p50s.append(Statistics.percentile(0.50, of: latencies))
        p99s.append(Statistics.percentile(0.99, of: latencies))
    }

    var lastRate: String { rates.last.map { Format.number($0) + " events/s" } ?? "–" }

    /// Medians: `9,800 events/s; p50 1.20 ms, p99 3.40 ms`.
    var summary: String {
        "\(Format.number(Statistics.median(rates))) events/s; p50 \(Format.milliseconds(Statistics.median(p50s))), "
            + "p99 \(Format.milliseconds(Statistics.median(p99s)))"
    }

    /// Every pass: `9,700, 9,800, 9,900 events/s, p99 3.1, 3.4, 3.6 ms`.
    var passes: String {
        Format.list(rates, unit: "events/s") + ", p99 " + Format.list(p99s.map { $0 * 1e3 }, unit: "ms", decimals: 2)
    }
}
