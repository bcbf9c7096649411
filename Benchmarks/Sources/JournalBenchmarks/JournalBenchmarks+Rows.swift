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
            journalSeconds.append(try await benchmark.run(directory: journalDirectory))
            gzipSeconds.append(try await gzip.compress())
            progress("bulk append pass \(pass): journal \(rate(bytes, journalSeconds.last)), gzip -1 \(rate(bytes, gzipSeconds.last))")
        }
        let journal = Double(bytes) / Statistics.median(journalSeconds)
        let baseline = Double(bytes) / Statistics.median(gzipSeconds)
        let ratio = journal / baseline
        return ReportRow(
            measurement: "Bulk append, \(Format.count(batchSize))-event batches, each durable before the next",
            journal: Format.megabytesPerSecond(bytes: bytes, seconds: Statistics.median(journalSeconds)),
            baseline: "\(Format.megabytesPerSecond(bytes: bytes, seconds: Statistics.median(gzipSeconds))) (gzip -1)",
            ratio: ratio,
            goal: Goal(text: "≥ 0.8× gzip -1", isMet: ratio >= 0.8),
            passes: "journal \(rates(bytes, journalSeconds)); gzip -1 \(rates(bytes, gzipSeconds))")
    }

    /// Row 2: single-event appends from concurrent tasks, beside one `pwrite` + `fdatasync` per event.
    func measureConcurrentAppends(
        _ events: [JournalEvent], syncPayloads: [[UInt8]], scratch: ScratchDirectory
    ) async throws -> ReportRow {
        let benchmark = ConcurrentAppendBenchmark(events: events, taskCount: tasks, options: journalOptions)
        let baselinePath = scratch.file("sync-baseline.dat")
        let baseline = SyncWriteBaseline(path: baselinePath)
        var journalRates: [Double] = []
        var journalP50: [Double] = []
        var journalP99: [Double] = []
        var syncRates: [Double] = []
        var syncP50: [Double] = []
        var syncP99: [Double] = []
        for pass in 1...runs {
            let directory = scratch.file("concurrent-journal")
            scratch.remove(directory)
            let journal = try await benchmark.run(directory: directory)
            journalRates.append(Double(events.count) / journal.seconds)
            journalP50.append(Statistics.percentile(0.50, of: journal.latencies))
            journalP99.append(Statistics.percentile(0.99, of: journal.latencies))
            let sync = try await onDedicatedThread("sync-baseline") { try baseline.run(payloads: syncPayloads) }
            syncRates.append(Double(syncPayloads.count) / sync.seconds)
            syncP50.append(Statistics.percentile(0.50, of: sync.latencies))
            syncP99.append(Statistics.percentile(0.99, of: sync.latencies))
            progress("single-event pass \(pass): journal \(Format.number(journalRates[pass - 1])) events/s, "
                + "pwrite + fdatasync \(Format.number(syncRates[pass - 1])) events/s")
        }
        scratch.remove(baselinePath)
        let journal = Statistics.median(journalRates)
        let sync = Statistics.median(syncRates)
        return ReportRow(
            measurement: "Single-event appends from \(tasks) concurrent tasks (group commit)",
            journal: "\(Format.number(journal)) events/s; p50 \(Format.milliseconds(Statistics.median(journalP50))), "
                + "p99 \(Format.milliseconds(Statistics.median(journalP99)))",
            baseline: "\(Format.number(sync)) events/s; p50 \(Format.milliseconds(Statistics.median(syncP50))), "
                + "p99 \(Format.milliseconds(Statistics.median(syncP99))) (pwrite + fdatasync per event, 1 loop)",
            ratio: journal / sync,
            goal: nil,
            passes: "journal \(joined(journalRates, unit: "events/s")), p99 \(joined(journalP99.map { $0 * 1e3 }, unit: "ms", decimals: 2)); "
                + "pwrite + fdatasync \(joined(syncRates, unit: "events/s")), p99 \(joined(syncP99.map { $0 * 1e3 }, unit: "ms", decimals: 2))")
    }

    /// Row 3: reading the whole journal back, beside `zcat` of the `gzip -1` file of the same bytes.
    func measureReadBack(
        _ journalDirectory: String, events: Int, bytes: Int, gzip: GzipBaseline
    ) async throws -> (ReportRow, String) {
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
            progress("read-back pass \(pass): journal \(rate(bytes, result.seconds)), zcat \(rate(bytes, zcatSeconds.last))")
        }
        let journal = Double(bytes) / Statistics.median(journalSeconds)
        let baseline = Double(bytes) / Statistics.median(zcatSeconds)
        let ratio = journal / baseline
        let row = ReportRow(
            measurement: "Read the whole journal back (checksums verified, events split out)",
            journal: Format.megabytesPerSecond(bytes: bytes, seconds: Statistics.median(journalSeconds)),
            baseline: "\(Format.megabytesPerSecond(bytes: bytes, seconds: Statistics.median(zcatSeconds))) (zcat > /dev/null)",
            ratio: ratio,
            goal: Goal(text: "≥ 1× zcat", isMet: ratio >= 1),
            passes: "journal \(rates(bytes, journalSeconds)); zcat \(rates(bytes, zcatSeconds))")
        let open = Statistics.median(openSeconds)
        let note = "Row 3 includes opening the reader, which scans the newest (here the only) segment and checks "
            + "every frame's checksum once before the cursor checks it again: \(Format.milliseconds(open)) of "
            + "\(Format.milliseconds(Statistics.median(journalSeconds))) (median)."
        return (row, note)
    }

    /// Row 4: raw bytes ÷ bytes on disk, beside gzip -1's ratio on the same bytes.
    func measureCompression(
        _ journalDirectory: String, rawBytes: Int, scratch: ScratchDirectory
    ) throws -> (ReportRow, String) {
        let statistics = try JournalStatistics.collect(directory: journalDirectory)
        let gzipBytes = try scratch.size(of: "events.jsonl.gz")
        let gzipRatio = Double(rawBytes) / Double(gzipBytes)
        let journal = statistics.compressionRatio
        let row = ReportRow(
            measurement: "Compression ratio (raw bytes ÷ bytes on disk)",
            journal: "\(Format.ratio(journal)) (\(Format.megabytes(Int(statistics.rawBytes))) → "
                + "\(Format.megabytes(Int(statistics.storedBytes))))",
            baseline: "\(Format.ratio(gzipRatio)) (\(Format.megabytes(rawBytes)) → \(Format.megabytes(gzipBytes))) (gzip -1)",
            ratio: journal / gzipRatio,
            goal: Goal(text: "≥ 4× raw ÷ on disk", isMet: journal >= 4),
            passes: "deterministic: one journal, \(statistics.segments) segment(s), \(Format.count(statistics.frames)) frames")
        let payloadRatio = Double(rawBytes) / Double(statistics.storedBytes)
        let note = "Row 4: JournalStatistics counts as raw the inflated frame payloads, which add a few bytes of "
            + "per-event framing (type, time, length varints) to the \(Format.megabytes(rawBytes)) of event payloads; "
            + "counted on payload bytes alone the journal's ratio is \(Format.ratio(payloadRatio))."
        return (row, note)
    }

    private func rate(_ bytes: Int, _ seconds: Double?) -> String {
        seconds.map { Format.megabytesPerSecond(bytes: bytes, seconds: $0) } ?? "–"
    }

    private func rates(_ bytes: Int, _ seconds: [Double]) -> String {
        joined(seconds.map { Double(bytes) / $0 / 1e6 }, unit: "MB/s", decimals: 1)
    }

    private func joined(_ values: [Double], unit: String, decimals: Int = 0) -> String {
        values.map { Format.number($0, decimals: decimals) }.joined(separator: ", ") + " " + unit
    }
}
