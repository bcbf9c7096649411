import ArgumentParser
import BenchmarkSupport
import ConnectorKit
import Foundation
import Logging
import TandemEngine
import TandemJournal

/// Measures time travel on a deployment EngineBenchmarks left behind (`--dir`): the state's raw size
/// beside its checkpoint, writing and loading a checkpoint, start-up from a checkpoint against a full
/// replay (the baseline, measured in the same run), a restore plan to a point in the middle, and explain.
@main
struct TimeTravelBenchmarks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "TimeTravelBenchmarks",
        abstract: "Benchmarks checkpoints, start-up, restore and explain on an EngineBenchmarks folder.",
        discussion: """
            First: swift run -c release EngineBenchmarks --people N --dir DIR. Then: swift run -c release \
            TimeTravelBenchmarks --dir DIR. Writes checkpoints into DIR/data/checkpoints (removed afterwards).
            """)

    @Option(help: "A folder an EngineBenchmarks run left (holding tandem.yaml and data/journal).")
    var dir: String

    @Flag(
        help: """
            Measures only the goals (checkpoint size, start-up, restore, explain) and what they need: skips \
            the old codec's decode, the restore plan (two digests and a comparison) and the object index's \
            scanning and tail baselines, which take many minutes and gigabytes more at 1M people.
            """)
    var quick = false

    @Flag(
        help: """
            Measures only start-up from the newest checkpoint and the restore rebuild, from checkpoints kept in \
            DIR/data/checkpoints-startup between runs (made there by the first run: a replay to the middle of \
            the journal and one to its end), so that a change to decoding is measured in minutes at 1M people.
            """)
    var startupOnly = false

    @Flag(
        help: "With --startup-only: first rewrite the kept checkpoints in this build's format (after a format change).")
    var rewrite = false

    @Option(help: "With --startup-only: how many times to measure each.")
    var repeats = 1

    func run() async throws {
        // Measured as `tandem` runs.
        AllocatorTuning.apply(environment: ProcessInfo.processInfo.environment)
        if startupOnly { return try measureStartupOnly() }
        let configuration = try ConfigurationLoader.load(path: dir + "/tandem.yaml")
        let journalDirectory = configuration.dataDirectory + "/journal"
        let checkpointDirectory = configuration.dataDirectory + "/checkpoints-benchmark"
        try? FileManager.default.removeItem(atPath: checkpointDirectory)
        defer { try? FileManager.default.removeItem(atPath: checkpointDirectory) }
        var logger = Logger(label: "tandem.benchmark")
        logger.logLevel = .error
        let checkpoints = EngineCheckpoints(directory: checkpointDirectory, logger: logger)
        var rows: [(String, String)] = []
        // Each figure also goes to standard error as soon as it is measured: a run cut short keeps them.
        func row(_ measurement: String, _ value: String) {
            rows.append((measurement, value))
            progress("  \(measurement): \(value)")
        }
        let startLoad = loadAverage()
        let started = Date()

        let reader = try JournalReader(directory: journalDirectory)
        let lastSeq = reader.lastSeq
        let middle = lastSeq / 2
        // A checkpoint in the middle, as an automatic one would be, for the restore: the replay from
        // seq 1 to it is the baseline; the engine then opens from it, replaying the second half.
        progress("replay of seqs 1–\(middle) (the baseline), then a checkpoint there…")
        let firstHalfSeconds = try {
            let (half, seconds) = try time { try EngineReplay.replay(directory: journalDirectory, through: middle) }
            try checkpoints.save(half, journalID: reader.journalID!, timeMicroseconds: 0)
            return seconds
        }()
        progress("start-up from the checkpoint at seq \(middle), replaying \(lastSeq - middle) events…")
        let (opened, secondHalfSeconds) = try time {
            try EngineReplay.replay(directory: journalDirectory, checkpoints: checkpoints)
        }
        var full = opened.state
        let people = full.metaverse.count
        let spaceObjects = full.connectorSpaces.values.reduce(0) { $0 + $1.objects.count }
        progress(
            "  \(seconds(firstHalfSeconds)) + \(seconds(secondHalfSeconds)); \(people) metaverse objects")
        progress("encoding and decoding the state…")
        let (payloadBytes, codec, encodeSeconds, decodeSeconds) = try {
            let (payload, encodeSeconds) = time { full.checkpointPayload() }
            let (_, decodeSeconds) = try time { try EngineState(checkpointPayload: payload) }
            return (payload.count, payload[0], encodeSeconds, decodeSeconds)
        }()
        row("raw state (checkpoint payload, uncompressed)", Format.megabytes(payloadBytes))
        var decodeV1Seconds: Double?
        if !quick {
            let payloadV1 = full.checkpointPayload(codecVersion: 1)
            decodeV1Seconds = try time { try EngineState(checkpointPayload: payloadV1) }.1
        }
        let (digest, digestSeconds) = time { full.stateDigest }
        progress("writing a checkpoint at seq \(lastSeq)…")
        let (_, writeSeconds) = try time {
            try checkpoints.save(full, journalID: reader.journalID!, timeMicroseconds: 0)
        }
        let file = try checkpoints.store.list().last!
        row(
            "checkpoint file (zlib level 1)",
            "\(Format.megabytes(Int(file.fileSize))) (\(String(format: "%.1f", Double(payloadBytes) / Double(file.fileSize)))× smaller)"
        )
        row("encode state (codec version \(codec))", seconds(encodeSeconds))
        if let decodeV1Seconds {
            row("decode state, codec version 1 (the old sequential codec, baseline)", seconds(decodeV1Seconds))
        }
        row(
            "decode state, codec version \(codec)",
            seconds(decodeSeconds)
                + (decodeV1Seconds.map { " (\(String(format: "%.1f", $0 / decodeSeconds))× faster than version 1)" }
                    ?? ""))
        row("state digest", seconds(digestSeconds))
        row("write checkpoint (encode, digest, compress, fsync)", seconds(writeSeconds))

        progress("start-up from the newest checkpoint…")
        let startupSeconds = try {
            let (startup, seconds) = try time {
                try EngineReplay.replay(directory: journalDirectory, checkpoints: checkpoints)
            }
            guard startup.state.stateDigest == digest else { throw BenchmarkFailure("start-up digest differs") }
            return seconds
        }()
        row(
            "replay from seq 1 to seq \(middle) (baseline: start-up without a checkpoint takes twice that)",
            seconds(firstHalfSeconds))
        row(
            "start-up from a checkpoint \(opened.eventsReplayed) events behind (seq \(middle))",
            seconds(secondHalfSeconds))
        row("**start-up: from the newest checkpoint**", "**\(seconds(startupSeconds))** (goal ≤ 5 s at 1M)")

        let target = middle + (lastSeq - middle) / 2
        progress("restore to seq \(target) (checkpoint at \(middle), then replay)…")
        let (restoredDigest, rebuildSeconds, eventsReplayed) = try {
            let (restored, seconds) = try time {
                try EngineReplay.replay(directory: journalDirectory, checkpoints: checkpoints, through: target)
            }
            return (quick ? nil : restored.state.stateDigest, seconds, restored.eventsReplayed)
        }()
        row(
            "**restore rebuild** (checkpoint at seq \(middle) + \(eventsReplayed) events)",
            "**\(seconds(rebuildSeconds))** (goal ≤ 10 s at 1M)")
        if !quick {
            let (plan, restoreSeconds) = try time {
                try RestorePlan.make(
                    directory: journalDirectory, checkpoints: checkpoints, target: .seq(target), current: full)
            }
            guard restoredDigest == plan.restoredDigest else { throw BenchmarkFailure("restore digest differs") }
            row(
                "restore plan (rebuild, both digests, comparison with the current state)",
                seconds(restoreSeconds))
        }

        let subject = full.metaverse.keys.sorted()[people / 2]
        full = EngineState()
        try measureExplain(
            subject: subject, reader: reader, middle: middle, journalDirectory: journalDirectory,
            checkpointDirectory: checkpointDirectory, checkpoints: checkpoints, configuration: configuration,
            row: row)

        print("# Tandem time-travel benchmarks")
        print("")
        print(
            "\(people) metaverse objects, \(spaceObjects) connector-space objects, \(lastSeq) journal events; "
                + "\(ISO8601DateFormatter().string(from: started)), \(ProcessInfo.processInfo.activeProcessorCount) cores, "
                + "load average \(startLoad) at the start, \(loadAverage()) at the end\(quick ? " (--quick)" : "").")
        print("")
        print("| measurement | value |")
        print("| --- | --- |")
        for (measurement, value) in rows { print("| \(measurement) | \(value) |") }
    }

    /// Explain one object with the object index; without `--quick`, also the index's baselines
    /// (built by scanning, 1,447 events behind, the tail file the engine writes after each run).
    func measureExplain(
        subject: MetaverseID, reader: JournalReader, middle: UInt64, journalDirectory: String,
        checkpointDirectory: String, checkpoints: EngineCheckpoints, configuration: Configuration,
        row: (String, String) -> Void
    ) throws {
        let lastSeq = reader.lastSeq
        let indexPath = checkpointDirectory + "/" + ObjectHistoryIndex.fileName
        if quick {
            progress("object index through seq \(lastSeq) by scanning, then explain \(subject)…")
            let (_, indexSeconds) = try time {
                try ObjectHistoryIndex.update(directory: checkpointDirectory, reader: reader)
            }
            let indexBytes = (try FileManager.default.attributesOfItem(atPath: indexPath)[.size] as? Int) ?? 0
            row(
                "object index: build through seq \(lastSeq) by scanning",
                "\(seconds(indexSeconds)) (\(Format.megabytes(indexBytes)))")
        } else {
            try measureIndexBaselines(
                subject: subject, reader: reader, middle: middle, journalDirectory: journalDirectory,
                checkpointDirectory: checkpointDirectory, checkpoints: checkpoints, configuration: configuration,
                row: row)
        }
        let (explanation, explainSeconds) = try time {
            try Explainer.explain(
                directory: journalDirectory, checkpoints: checkpoints, subject: .metaverse(subject),
                configuration: configuration)
        }
        guard let anchor = explanation.links.first else { throw BenchmarkFailure("the object has no links") }
        let (byAnchor, explainAnchorSeconds) = try time {
            try Explainer.explain(
                directory: journalDirectory, checkpoints: checkpoints,
                subject: .connectorObject(connector: anchor.connector, anchor: anchor.anchor), attribute: nil,
                configuration: configuration)
        }
        guard byAnchor == explanation else { throw BenchmarkFailure("explain by anchor differs from by ID") }
        row(
            "**explain one object** (\(explanation.history.count) history entries), index covering the journal",
            "**\(seconds(explainSeconds))** (goal ≤ 1 s)")
        row("explain the same object by its \(anchor.connector) anchor", seconds(explainAnchorSeconds))
    }

    /// The object index's baselines, each against what the engine now does.
    func measureIndexBaselines(
        subject: MetaverseID, reader: JournalReader, middle: UInt64, journalDirectory: String,
        checkpointDirectory: String, checkpoints: EngineCheckpoints, configuration: Configuration,
        row: (String, String) -> Void
    ) throws {
        let clock = ContinuousClock()
        let lastSeq = reader.lastSeq
        // The object index as the engine keeps it: first up to the middle checkpoint (so explain
        // scans the events after it), then extended to the newest.
        progress(
            "object index through seq \(middle), then explain \(subject) with a tail of \(lastSeq - middle) events…")
        let (_, indexMiddleSeconds) = try time {
            try ObjectHistoryIndex.update(directory: checkpointDirectory, reader: reader, through: middle)
        }
        let (withTail, explainTailSeconds) = try time {
            try Explainer.explain(
                directory: journalDirectory, checkpoints: checkpoints, subject: .metaverse(subject),
                configuration: configuration)
        }
        // What the engine now does: it records the objects each event touches as it appends it (the
        // events are decoded here outside the timing, since the engine holds them in memory), writes
        // the tail at the end of each run, and merges the records into the index at the checkpoint.
        progress("recording the \(lastSeq - middle) events after seq \(middle), then the tail and explain…")
        var accumulator = ObjectIndexAccumulator(startingAt: middle + 1)
        var recordSeconds = 0.0
        let cursor = try reader.cursor(from: middle + 1)
        while let stored = try cursor.nextEvent(through: lastSeq) {
            guard let event = try EngineEventCodec.decode(stored) else {
                throw BenchmarkFailure("seq \(stored.seq) does not decode")
            }
            let start = clock.now
            accumulator.record(event, seq: stored.seq, epoch: stored.epoch)
            recordSeconds += (clock.now - start).seconds
        }
        let indexPath = checkpointDirectory + "/" + ObjectHistoryIndex.fileName
        let tailPath = checkpointDirectory + "/" + ObjectHistoryIndex.tailFileName
        let (tailWritten, tailWriteSeconds) = try time {
            try ObjectHistoryIndex.writeTail(directory: checkpointDirectory, reader: reader, from: accumulator)
        }
        guard tailWritten else { throw BenchmarkFailure("the tail was not written") }
        let tailBytes = (try FileManager.default.attributesOfItem(atPath: tailPath)[.size] as? Int) ?? 0
        let (withIndexedTail, explainIndexedTailSeconds) = try time {
            try Explainer.explain(
                directory: journalDirectory, checkpoints: checkpoints, subject: .metaverse(subject),
                configuration: configuration)
        }
        guard withIndexedTail == withTail else { throw BenchmarkFailure("explain differs with the tail file") }
        let middleIndex = try Data(contentsOf: URL(fileURLWithPath: indexPath))
        progress("object index extended to seq \(lastSeq) from the records…")
        let (scannedByExtend, indexRecordedSeconds) = try time {
            try ObjectHistoryIndex.extend(directory: checkpointDirectory, reader: reader, with: accumulator)
        }
        guard scannedByExtend == 0 else { throw BenchmarkFailure("extending from the records scanned the journal") }
        let recordedEntries = try ObjectIndexFile.open(path: indexPath).allEntries()
        try FileManager.default.removeItem(atPath: tailPath)
        try middleIndex.write(to: URL(fileURLWithPath: indexPath))

        progress("object index extended to seq \(lastSeq) by scanning the journal (the baseline), then explain…")
        let (_, indexExtendSeconds) = try time {
            try ObjectHistoryIndex.update(directory: checkpointDirectory, reader: reader)
        }
        guard try ObjectIndexFile.open(path: indexPath).allEntries() == recordedEntries else {
            throw BenchmarkFailure("the index extended from the records differs from the scanned one")
        }
        let indexBytes = (try FileManager.default.attributesOfItem(atPath: indexPath)[.size] as? Int) ?? 0
        let behind = lastSeq - middle
        row(
            "object index: build through seq \(middle) by scanning",
            "\(seconds(indexMiddleSeconds)) (\(Format.megabytes(indexBytes)) at seq \(lastSeq))")
        row(
            "checkpoint's index extension over \(behind) events, before: re-read and decode them (baseline)",
            seconds(indexExtendSeconds))
        row(
            "checkpoint's index extension over \(behind) events, after: merge the recorded references",
            "\(seconds(indexRecordedSeconds)) (\(String(format: "%.0f", indexExtendSeconds / indexRecordedSeconds))× faster)"
        )
        row(
            "recording the references while appending those \(behind) events (\(accumulator.objectCount) objects)",
            seconds(recordSeconds))
        row(
            "writing the tail file at the end of a run (\(behind) events since the index)",
            "\(seconds(tailWriteSeconds)) (\(Format.megabytes(tailBytes)))")
        row(
            "explain one object, index \(behind) events behind, before: scan of those events (baseline)",
            seconds(explainTailSeconds))
        row(
            "explain one object, index \(behind) events behind, after: index + tail file",
            seconds(explainIndexedTailSeconds))
    }
}

extension TimeTravelBenchmarks {
    /// Start-up and restore from kept checkpoints (`--startup-only`); each start-up's state digest is
    /// checked against the one its checkpoint's header records (computed from the live state it was
    /// written from).
    func measureStartupOnly() throws {
        let configuration = try ConfigurationLoader.load(path: dir + "/tandem.yaml")
        let journalDirectory = configuration.dataDirectory + "/journal"
        let checkpointDirectory = configuration.dataDirectory + "/checkpoints-startup"
        var logger = Logger(label: "tandem.benchmark")
        logger.logLevel = .error
        let checkpoints = EngineCheckpoints(directory: checkpointDirectory, logger: logger)
        let reader = try JournalReader(directory: journalDirectory)
        let (lastSeq, middle) = (reader.lastSeq, reader.lastSeq / 2)
        progress("load average \(loadAverage())")
        if try checkpoints.store.list().map(\.seq) != [middle, lastSeq] {
            try? FileManager.default.removeItem(atPath: checkpointDirectory)
            progress("making the checkpoints at seqs \(middle) and \(lastSeq)…")
            let half = try EngineReplay.replay(directory: journalDirectory, through: middle)
            try checkpoints.save(half, journalID: reader.journalID!, timeMicroseconds: 0)
            let full = try EngineReplay.replay(directory: journalDirectory, checkpoints: checkpoints).state
            try checkpoints.save(full, journalID: reader.journalID!, timeMicroseconds: 0)
        } else if rewrite {
            for seq in [middle, lastSeq] {
                progress("rewriting the checkpoint at seq \(seq) in this build's format…")
                guard
                    let usable = checkpoints.newestUsable(atOrBefore: seq, notBefore: seq, journalID: reader.journalID)
                else { throw BenchmarkFailure("the checkpoint at seq \(seq) does not load") }
                guard usable.state.stateDigest == hexDigest(usable.header.stateDigest) else {
                    throw BenchmarkFailure("the checkpoint at seq \(seq) loads with another digest")
                }
                try checkpoints.save(usable.state, journalID: reader.journalID!, timeMicroseconds: 0)
            }
        }
        for entry in try checkpoints.store.list() {
            progress("  checkpoint \(entry.fileName): \(Format.megabytes(Int(entry.fileSize)))")
        }
        let target = middle + (lastSeq - middle) / 2
        for _ in 0..<repeats {
            let (startup, startupSeconds) = try time {
                try EngineReplay.replay(directory: journalDirectory, checkpoints: checkpoints)
            }
            progress("start-up from the newest checkpoint: \(seconds(startupSeconds)), load \(loadAverage())")
            guard let header = startup.checkpoint, startup.state.stateDigest == hexDigest(header.stateDigest)
            else { throw BenchmarkFailure("start-up's digest differs from its checkpoint's") }
            let (restored, rebuildSeconds) = try time {
                try EngineReplay.replay(directory: journalDirectory, checkpoints: checkpoints, through: target)
            }
            progress(
                "restore rebuild to seq \(target) (checkpoint at \(middle) + \(restored.eventsReplayed) events): "
                    + "\(seconds(rebuildSeconds)), load \(loadAverage())")
        }
    }
}

func hexDigest(_ bytes: [UInt8]) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

/// The process's CPU time (user and system, every thread) of each wall-clock time measured, which
/// depends less than the wall-clock time on what else the shared machine runs.
nonisolated(unsafe) var cpuSeconds: [Double: Double] = [:]

/// Runs `body`, returning its value and the wall-clock seconds it took (its CPU seconds go to `cpuSeconds`).
func time<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let clock = ContinuousClock()
    let start = clock.now
    let startCPU = processCPUSeconds()
    let value = try body()
    let seconds = (clock.now - start).seconds
    cpuSeconds[seconds] = processCPUSeconds() - startCPU
    return (value, seconds)
}

func processCPUSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// A wall-clock time measured by `time`, with the CPU time it took.
func seconds(_ wall: Double) -> String {
    Format.seconds(wall) + (cpuSeconds[wall].map { " (CPU \(Format.seconds($0)))" } ?? "")
}

/// The 1-, 5- and 15-minute load averages: other work on the machine skews every figure.
func loadAverage() -> String {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)).map {
        $0.split(separator: " ").prefix(3).joined(separator: " ")
    } ?? "unknown"
}

func progress(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
