import ArgumentParser
import BenchmarkSupport
import Foundation
import Logging
import Synchronization
import TandemJournal
import TandemServer

/// Measures journal shipping between two real Tandem servers on loopback (the HTTP API and the
/// staging follower that `tandem serve` runs, in one process): bootstrap throughput beside a plain
/// file copy of the same journal bytes, and staging lag while the active appends at a steady rate.
@main
struct ShippingBenchmarks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ShippingBenchmarks",
        abstract: "Benchmarks journal shipping against a file copy, and staging lag under load.",
        discussion: "Progress goes to standard error; the Markdown report goes to standard output.")

    /// 2M events are about 126 MB of segments: a pass of 0.2–0.5 s measures throughput. At the old
    /// default (250k, 16 MB) a pass lasted 0.05 s, a third of it the staging server's start, its two
    /// requests and the last `fdatasync`, fixed costs that a copy does not pay.
    @Option(help: "Events in the journal a new staging server bootstraps from (about 480 bytes each; 2M ≈ 126 MB).")
    var events = 2_000_000

    @Option(help: "Events per second the active appends while lag is measured.")
    var rate = 10_000

    @Option(help: "Seconds of steady appends while lag is measured.")
    var seconds = 20

    @Option(help: "Passes of the throughput measurement; the report gives the median.")
    var runs = 3

    @Option(help: "Planned switchovers timed (promote to the first permitted export), alternating between two servers.")
    var promotions = 4

    @Option(help: "Where to create the scratch folder (default: the temporary directory).")
    var dir: String?

    @Flag(help: "Measure only shipping throughput beside the file copy (no lag, no promotion): for profiling.")
    var throughputOnly = false

    @Flag(help: "The active sends journal streams from buffers instead of with sendfile (to compare the two).")
    var noSendfile = false

    @Option(
        help:
            "A perf control FIFO (perf record --control=fifo:FIFO -D -1): profiling is enabled only while a pass ships, until durable."
    )
    var perfControl: String?

    func validate() throws {
        guard events >= 1_000, rate >= 100, seconds >= 1, runs >= 1, promotions >= 1 else {
            throw ValidationError("--events ≥ 1000, --rate ≥ 100, --seconds ≥ 1, --runs ≥ 1, --promotions ≥ 1")
        }
    }

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        let scratch = (dir ?? FileManager.default.temporaryDirectory.path) + "/tandem-shipping-\(getpid())"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        progress("writing \(Format.count(events)) events into the active server's journal")
        let activeData = scratch + "/active"
        let journalBytes = try await writeSource(into: activeData + "/journal")
        progress("journal: \(Format.megabytes(journalBytes)) in segments")

        let active = try await InProcessServer.start(dataDirectory: activeData, role: .active, sendfile: !noSendfile)
        progress("active server at \(active.url)")
        // The baseline and shipping alternate pass by pass (in turn first), so that both see the
        // same load on a shared machine; each pass's ratio compares neighbours.
        var copySeconds: [Double] = []
        var shipSeconds: [Double] = []
        var applySeconds: [Double] = []
        for pass in 0..<runs {
            func copy() throws {
                copySeconds.append(
                    try FileCopyBaseline.copy(segmentsIn: activeData + "/journal", to: scratch + "/copy-\(pass)"))
            }
            if pass % 2 == 0 { try copy() }
            let stagingData = scratch + "/staging-\(pass)"
            let (durable, applied) = try await bootstrap(from: active, into: stagingData)
            if pass % 2 == 1 { try copy() }
            // Outside the timing: the staging journal must hold the active's segments byte for byte.
            try requireIdenticalSegments(activeData + "/journal", stagingData + "/journal")
            progress(
                "pass \(pass + 1): \(Format.megabytes(journalBytes)) durable in \(Format.seconds(durable)), applied in \(Format.seconds(applied)); file copy \(Format.seconds(copySeconds[pass])); identical segments"
            )
            shipSeconds.append(durable)
            applySeconds.append(applied)
            try? FileManager.default.removeItem(atPath: scratch + "/copy-\(pass)")
        }
        let passRatios = zip(copySeconds, shipSeconds).map { $0 / $1 }
        if throughputOnly {
            await active.stop()
            print(
                """
                Shipping \(Format.megabytes(journalBytes)): \(Format.megabytesPerSecond(bytes: journalBytes, seconds: median(shipSeconds))) \
                vs. file copy \(Format.megabytesPerSecond(bytes: journalBytes, seconds: median(copySeconds))); \
                ratio of each pass to its neighbouring file copy: \(Format.list(passRatios, unit: "×", decimals: 2)) \
                (median \(Format.ratio(median(passRatios)))).
                Passes (seconds): shipping \(Format.list(shipSeconds, unit: "s", decimals: 3)); \
                file copy \(Format.list(copySeconds, unit: "s", decimals: 3)).
                """)
            return
        }

        progress("lag: \(Format.count(rate)) events/s for \(seconds) s")
        let lag = try await measureLag(active: active, stagingData: scratch + "/staging-lag")
        await active.stop()

        let promotion = try await PromotionBenchmark(
            scratch: scratch, events: events, rounds: promotions,
            writeJournal: { directory, _ in try await writeSource(into: directory) }
        ).run()
        let promote = median(promotion.promoteToPermit)
        let switchover = median(promotion.switchover)

        let copy = median(copySeconds)
        let ship = median(shipSeconds)
        let applied = median(applySeconds)
        let ratio = copy / ship
        let p50 = percentile(lag.samples, 0.50)
        let p99 = percentile(lag.samples, 0.99)
        print(
            """
            ## Shipping benchmarks

            Journal: \(Format.count(events)) identity events (\(Format.megabytes(journalBytes)) of segments). \
            Both servers and the appender share this process and the machine's cores.

            | Measurement | Tandem | Baseline | Ratio | Goal |
            |---|---|---|---|---|
            | Shipping: an empty staging server until every frame is durable (HTTP stream, checksums, chain, append, fdatasync) vs. a plain file copy with fdatasync | \
            \(Format.megabytesPerSecond(bytes: journalBytes, seconds: ship)) | \(Format.megabytesPerSecond(bytes: journalBytes, seconds: copy)) | \
            \(Format.ratio(ratio)) | ≥ 0.5× \(ratio >= 0.5 ? "PASS" : "MISS") |
            | …until every event is also applied to the staging state (inflate, decode, apply) | \
            \(Format.megabytesPerSecond(bytes: journalBytes, seconds: applied)) | | \(Format.ratio(copy / applied)) | |
            | Staging lag at \(Format.count(rate)) events/s (achieved \(Format.count(Int(lag.achievedRate))) events/s): p50 | \
            \(Format.milliseconds(p50)) | | | |
            | Staging lag p99 (max \(Format.milliseconds(lag.samples.max() ?? 0)), \(Format.count(lag.samples.count)) batches) | \
            \(Format.milliseconds(p99)) | | | ≤ 1 s \(p99 <= 1 ? "PASS" : "MISS") |
            | Planned promotion: `promote` until the first export is permitted (median of \(promotion.promoteToPermit.count)) | \
            \(Format.milliseconds(promote)) | | | ≤ 1 s \(promote <= 1 ? "PASS" : "MISS") |
            | …the whole switchover: demote, catch up, promote, permitted | \(Format.milliseconds(switchover)) | | | |
            | …what promotion replayed before it reused the staging state: the whole journal from disk (\(Format.count(Int(promotion.replayedEvents))) events) | \
            \(Format.milliseconds(promotion.replayFromDisk)) | | | |

            Ratio of each pass to its neighbouring file copy: \(Format.list(passRatios, unit: "×", decimals: 2)) \
            (median \(Format.ratio(median(passRatios)))).
            Passes (seconds): shipping \(Format.list(shipSeconds, unit: "s", decimals: 2)); \
            applied \(Format.list(applySeconds, unit: "s", decimals: 2)); \
            file copy \(Format.list(copySeconds, unit: "s", decimals: 2)). \
            Promotions: \(Format.list(promotion.promoteToPermit.map { $0 * 1000 }, unit: "ms", decimals: 1)); \
            epoch authority: \(promotion.authority).
            """)
    }

    /// Appends the source journal in batches of 1,000 and returns its segments' total size.
    private func writeSource(into directory: String) async throws -> Int {
        var options = JournalOptions()
        options.logger = Logger(label: "tandem.journal")
        let journal = try Journal.open(directory: directory, options: options)
        var workload = IdentityWorkload()
        var index = 0
        while index < events {
            let count = min(1_000, events - index)
            let now = JournalClock.nowMicroseconds()
            try await journal.append(
                contentsOf: (index..<index + count).map { workload.event($0, timeMicroseconds: now) })
            index += count
        }
        await journal.close()
        return try segmentBytes(directory)
    }

    /// Throws unless both journals hold the same segment files with the same bytes.
    private func requireIdenticalSegments(_ source: String, _ copy: String) throws {
        let manager = FileManager.default
        let names = try manager.contentsOfDirectory(atPath: source).filter { $0.hasSuffix(".seg") }.sorted()
        let copied = try manager.contentsOfDirectory(atPath: copy).filter { $0.hasSuffix(".seg") }.sorted()
        guard names == copied else {
            throw BenchmarkFailure("the staging journal's segments \(copied) are not the active's \(names)")
        }
        for name in names {
            guard manager.contents(atPath: source + "/" + name) == manager.contents(atPath: copy + "/" + name) else {
                throw BenchmarkFailure("segment \(name) of the staging journal differs from the active's")
            }
        }
    }

    private func segmentBytes(_ directory: String) throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".seg") }.reduce(0) {
            $0 + ((try FileManager.default.attributesOfItem(atPath: directory + "/" + $1)[.size] as? Int) ?? 0)
        }
    }

    /// Starts an empty staging server and times it until every event is durable, and until every
    /// event is applied.
    private func bootstrap(from active: InProcessServer, into dataDirectory: String) async throws
        -> (durable: Double, applied: Double)
    {
        let target = UInt64(events)
        let (done, sink) = AsyncStream.makeStream(of: (ShippedBatch.Stage, ContinuousClock.Instant).self)
        let clock = ContinuousClock()
        let start = clock.now
        let durableBatches = Mutex<[(ContinuousClock.Instant, UInt64)]>([])
        let profiler = perfControl.map { PerfControl(fifo: $0) }
        profiler?.send("enable")
        let staging = try await InProcessServer.start(
            dataDirectory: dataDirectory, role: .staging, primaryURL: active.url,
            onShippedBatch: { batch in
                if batch.stage == .durable { durableBatches.withLock { $0.append((clock.now, batch.lastSeq)) } }
                if batch.lastSeq >= target { sink.yield((batch.stage, clock.now)) }
            })
        let started = clock.now
        var durable: Double?
        var applied: Double?
        for await (stage, time) in done {
            switch stage {
            case .durable:
                durable = (time - start).seconds
                profiler?.send("disable")
            case .applied: applied = (time - start).seconds
            }
            if durable != nil && applied != nil { break }
        }
        await staging.stop()
        let batches = durableBatches.withLock { $0 }
        progress(
            "  staging server up after \(Format.seconds((started - start).seconds)); durable batches (seconds: last seq): "
                + batches.map { String(format: "%.3f: %d", ($0.0 - start).seconds, $0.1) }.joined(separator: ", "))
        return (durable!, applied!)
    }

    /// Appends at `rate` events/s in 10 ms batches and records, for every batch the staging server
    /// applies, how old its oldest event is by then (the primary's append time to the staging's apply).
    private func measureLag(active: InProcessServer, stagingData: String) async throws
        -> (samples: [Double], achievedRate: Double)
    {
        guard let journal = active.journal else { throw BenchmarkFailure("the active server has no journal") }
        let samples = Mutex<[Double]>([])
        let start = journal.lastSeq
        let (caughtUp, sink) = AsyncStream.makeStream(of: UInt64.self)
        let staging = try await InProcessServer.start(
            dataDirectory: stagingData, role: .staging, primaryURL: active.url,
            onShippedBatch: { batch in
                guard batch.stage == .applied else { return }
                if batch.lastSeq > start {
                    let lag = Double(JournalClock.nowMicroseconds() - batch.earliestEventTimeMicroseconds) / 1e6
                    samples.withLock { $0.append(lag) }
                }
                sink.yield(batch.lastSeq)
            })
        for await seq in caughtUp where seq >= start { break }
        samples.withLock { $0.removeAll() }

        var workload = IdentityWorkload(seed: 42)
        let perTick = max(1, rate / 100)
        let clock = ContinuousClock()
        let begin = clock.now
        var next = begin
        var appended = 0
        while clock.now - begin < .seconds(seconds) {
            let now = JournalClock.nowMicroseconds()
            let batch = (0..<perTick).map { workload.event(appended + $0, timeMicroseconds: now) }
            try await journal.append(contentsOf: batch)
            appended += perTick
            next += .milliseconds(10)
            if next > clock.now { try await Task.sleep(until: next, clock: clock) }
        }
        let elapsed = (clock.now - begin).seconds
        let last = journal.lastSeq
        for await seq in caughtUp where seq >= last { break }
        await staging.stop()
        return (samples.withLock { $0 }, Double(appended) / elapsed)
    }

    /// Writes commands to `perf record`'s control FIFO, to profile the shipping window alone.
    private struct PerfControl {
        let fifo: String
        func send(_ command: String) {
            let descriptor = open(fifo, O_WRONLY)
            guard descriptor >= 0 else { return }
            _ = (command + "\n").utf8CString.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count - 1) }
            close(descriptor)
        }
    }

    private func median(_ values: [Double]) -> Double { percentile(values, 0.5) }

    private func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }

    private func progress(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
