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

    func run() async throws {
        let configuration = try ConfigurationLoader.load(path: dir + "/tandem.yaml")
        let journalDirectory = configuration.dataDirectory + "/journal"
        let checkpointDirectory = configuration.dataDirectory + "/checkpoints-benchmark"
        try? FileManager.default.removeItem(atPath: checkpointDirectory)
        defer { try? FileManager.default.removeItem(atPath: checkpointDirectory) }
        var logger = Logger(label: "tandem.benchmark")
        logger.logLevel = .error
        let checkpoints = EngineCheckpoints(directory: checkpointDirectory, logger: logger)
        let clock = ContinuousClock()
        func time<T>(_ body: () throws -> T) rethrows -> (T, Double) {
            let start = clock.now
            let value = try body()
            return (value, (clock.now - start).seconds)
        }

        let reader = try JournalReader(directory: journalDirectory)
        let lastSeq = reader.lastSeq
        progress("full replay of \(lastSeq) events (the baseline)…")
        let (full, replaySeconds) = try time { try EngineReplay.replay(directory: journalDirectory) }
        let people = full.metaverse.count
        progress("  \(Format.seconds(replaySeconds)); \(people) metaverse objects")

        let (payload, encodeSeconds) = time { full.checkpointPayload() }
        let (_, decodeSeconds) = try time { try EngineState(checkpointPayload: payload) }
        let payloadV1 = full.checkpointPayload(codecVersion: 1)
        let (_, decodeV1Seconds) = try time { try EngineState(checkpointPayload: payloadV1) }
        let (digest, digestSeconds) = time { full.stateDigest }
        progress("writing a checkpoint at seq \(lastSeq)…")
        let (_, writeSeconds) = try time {
            try checkpoints.save(full, journalID: reader.journalID!, timeMicroseconds: 0)
        }
        let file = try checkpoints.store.list().last!
        // A checkpoint in the middle, as an automatic one would be, for the restore.
        let middle = lastSeq / 2
        let (half, _) = try time { try EngineReplay.replay(directory: journalDirectory, through: middle) }
        try checkpoints.save(half, journalID: reader.journalID!, timeMicroseconds: 0)

        progress("start-up from the newest checkpoint…")
        let (startup, startupSeconds) = try time {
            try EngineReplay.replay(directory: journalDirectory, checkpoints: checkpoints)
        }
        guard startup.state.stateDigest == digest else { throw BenchmarkFailure("start-up digest differs") }

        let target = middle + (lastSeq - middle) / 2
        progress("restore plan to seq \(target) (checkpoint at \(middle), then replay)…")
        let (plan, restoreSeconds) = try time {
            try RestorePlan.make(
                directory: journalDirectory, checkpoints: checkpoints, target: .seq(target), current: full)
        }
        let (restoredOnly, rebuildSeconds) = try time {
            try EngineReplay.replay(directory: journalDirectory, checkpoints: checkpoints, through: target)
        }
        guard restoredOnly.state.stateDigest == plan.restoredDigest else {
            throw BenchmarkFailure("restore digest differs")
        }

        let subject = full.metaverse.keys.sorted()[people / 2]
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
        let indexBytes =
            (try FileManager.default.attributesOfItem(
                atPath: checkpointDirectory + "/" + ObjectHistoryIndex.fileName)[.size] as? Int) ?? 0
        let (explanation, explainSeconds) = try time {
            try Explainer.explain(
                directory: journalDirectory, checkpoints: checkpoints, subject: .metaverse(subject),
                configuration: configuration)
        }
        guard explanation == withTail else { throw BenchmarkFailure("explain differs with and without a tail") }
        guard let anchor = explanation.links.first else { throw BenchmarkFailure("the object has no links") }
        let (byAnchor, explainAnchorSeconds) = try time {
            try Explainer.explain(
                directory: journalDirectory, checkpoints: checkpoints,
                subject: .connectorObject(connector: anchor.connector, anchor: anchor.anchor), attribute: nil,
                configuration: configuration)
        }
        guard byAnchor == explanation else { throw BenchmarkFailure("explain by anchor differs from by ID") }

        print("# Tandem time-travel benchmarks")
        print("")
        print("\(people) metaverse objects, \(lastSeq) journal events; one shared 2-core machine.")
        print("")
        print("| measurement | value |")
        print("| --- | --- |")
        print("| raw state (checkpoint payload, uncompressed) | \(Format.megabytes(payload.count)) |")
        print(
            "| checkpoint file (zlib level 1) | \(Format.megabytes(Int(file.fileSize))) (\(String(format: "%.1f", Double(payload.count) / Double(file.fileSize)))×) |"
        )
        print("| encode state (codec version 2) | \(Format.seconds(encodeSeconds)) |")
        print(
            "| decode state, codec version 1 (the old sequential codec, baseline) | \(Format.seconds(decodeV1Seconds)) |"
        )
        print(
            "| decode state, codec version 2 (chunks on every core) | \(Format.seconds(decodeSeconds)) (\(String(format: "%.1f", decodeV1Seconds / decodeSeconds))× faster) |"
        )
        print("| state digest | \(Format.seconds(digestSeconds)) |")
        print("| write checkpoint (encode, digest, compress, fsync) | \(Format.seconds(writeSeconds)) |")
        print("| start-up: full replay from seq 1 (baseline) | \(Format.seconds(replaySeconds)) |")
        print(
            "| start-up: from the newest checkpoint | \(Format.seconds(startupSeconds)) (\(String(format: "%.1f", replaySeconds / startupSeconds))× faster) |"
        )
        print("| restore plan (rebuild + compare with current) | \(Format.seconds(restoreSeconds)) |")
        print(
            "| restore rebuild alone (\(restoredOnly.eventsReplayed) events after the checkpoint) | \(Format.seconds(rebuildSeconds)) |"
        )
        let behind = lastSeq - middle
        print(
            "| object index: build through seq \(middle) by scanning | \(Format.seconds(indexMiddleSeconds)) (\(Format.megabytes(indexBytes)) at seq \(lastSeq)) |"
        )
        print(
            "| checkpoint's index extension over \(behind) events, before: re-read and decode them (baseline) | \(Format.seconds(indexExtendSeconds)) |"
        )
        print(
            "| checkpoint's index extension over \(behind) events, after: merge the recorded references | \(Format.seconds(indexRecordedSeconds)) (\(String(format: "%.0f", indexExtendSeconds / indexRecordedSeconds))× faster) |"
        )
        print(
            "| recording the references while appending those \(behind) events (\(accumulator.objectCount) objects) | \(Format.seconds(recordSeconds)) |"
        )
        print(
            "| writing the tail file at the end of a run (\(behind) events since the index) | \(Format.seconds(tailWriteSeconds)) (\(Format.megabytes(tailBytes))) |"
        )
        print(
            "| explain one object, index \(behind) events behind, before: scan of those events (baseline) | \(Format.seconds(explainTailSeconds)) |"
        )
        print(
            "| explain one object, index \(behind) events behind, after: index + tail file | \(Format.seconds(explainIndexedTailSeconds)) |"
        )
        print(
            "| explain one object (\(explanation.history.count) history entries), index covering the journal | \(Format.seconds(explainSeconds)) |"
        )
        print("| explain the same object by its \(anchor.connector) anchor | \(Format.seconds(explainAnchorSeconds)) |")
    }
}

func progress(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
