import Logging
import TandemJournal

/// Rebuilds engine state from a journal alone, without touching it.
///
/// Replay starts from the newest usable checkpoint at or before its target and applies only
/// the events after it. A restore event (kind 11) makes the state the fold through the seq it
/// names: replay rebuilds that state the same way (recursively, from a checkpoint) and carries
/// on, so the stretch a restore abandoned is skipped deterministically.
public enum EngineReplay {
    /// Where a replay started and how much it applied.
    public struct Result: Sendable {
        public var state: EngineState
        /// The checkpoint it started from; `nil` if it started at seq 1.
        public var checkpoint: CheckpointHeader?
        /// Journal events read after the starting point.
        public var eventsReplayed: Int

        public init(state: EngineState, checkpoint: CheckpointHeader?, eventsReplayed: Int) {
            self.state = state
            self.checkpoint = checkpoint
            self.eventsReplayed = eventsReplayed
        }
    }

    /// Folds the journal's engine events through `lastSeq` (all if `nil`) into a state, from seq 1.
    ///
    /// Events of types the engine does not know are skipped (the journal's own ignorable frames
    /// never reach here); a malformed or inconsistent event stops the replay with its seq.
    public static func replay(directory: String, through lastSeq: UInt64? = nil) throws -> EngineState {
        try replay(directory: directory, checkpoints: nil, through: lastSeq).state
    }

    /// Folds the journal through `lastSeq` (all if `nil`), starting from the newest usable
    /// checkpoint at or before it.
    public static func replay(
        directory: String, checkpoints: EngineCheckpoints?, through lastSeq: UInt64? = nil
    ) throws -> Result {
        let reader = try JournalReader(directory: directory)
        let target = min(lastSeq ?? reader.lastSeq, reader.lastSeq)
        return try Replayer(reader: reader, checkpoints: checkpoints).state(through: target)
    }

    /// Applies one stored journal event to `state`. A restore event cannot be applied without
    /// the journal: use ``apply(_:to:restoring:)``.
    public static func apply(_ stored: StoredEvent, to state: inout EngineState) throws(EngineError) {
        guard let event = try EngineEventCodec.decode(stored) else { return }
        try state.apply(event, seq: stored.seq, timeMicroseconds: stored.event.timeMicroseconds)
    }

    /// Applies one stored journal event to `state`; for a restore event, `restoring` gives the
    /// state through the seq it names (for example from ``replay(directory:checkpoints:through:)``).
    public static func apply(
        _ stored: StoredEvent, to state: inout EngineState, restoring: (UInt64) throws -> EngineState
    ) throws {
        guard let event = try EngineEventCodec.decode(stored) else { return }
        if case .restored(let restore) = event {
            guard restore.toSeq < stored.seq else {
                throw EngineError(
                    .inconsistentJournal, "restore to seq \(restore.toSeq) is not before itself", seq: stored.seq)
            }
            state.adoptRestored(restore, from: try restoring(restore.toSeq), seq: stored.seq)
        } else {
            try state.apply(event, seq: stored.seq, timeMicroseconds: stored.event.timeMicroseconds)
        }
    }

    /// The last seq whose event time is at or before `timeMicroseconds`, found from frame headers
    /// and one inflated frame; `nil` if every event is later.
    public static func lastSeq(atOrBefore timeMicroseconds: Int64, reader: JournalReader) throws -> UInt64? {
        var candidate: FrameSummary?
        for segment in reader.segmentSummaries {
            for frame in segment.frames where frame.count > 0 {
                if frame.earliestTimeMicroseconds > timeMicroseconds { break }
                candidate = frame
            }
        }
        guard let frame = candidate else { return nil }
        let events = try reader.events(in: frame.firstSeq...frame.lastSeq)
        return events.last { $0.event.timeMicroseconds <= timeMicroseconds }?.seq
    }
}

/// One replay over one reader: checkpoints are listed once, restores recurse into it.
struct Replayer {
    let reader: JournalReader
    let checkpoints: EngineCheckpoints?

    func state(through target: UInt64) throws -> EngineReplay.Result {
        let start = try startingPoint(atOrBefore: target)
        var state = start?.state ?? EngineState()
        var replayed = 0
        if target > state.lastSeq {
            replayed = try EngineReplay.replayPipelined(
                reader, from: state.lastSeq + 1, through: target, into: &state,
                restoring: { try self.state(through: $0).state })
        }
        return EngineReplay.Result(state: state, checkpoint: start?.header, eventsReplayed: replayed)
    }

    /// The checkpoint to start from, or `nil` to start at seq 1; throws if neither can reach `target`.
    private func startingPoint(atOrBefore target: UInt64) throws -> EngineCheckpoints.Usable? {
        let firstSeq = reader.firstSeq ?? 1
        // A checkpoint needs the events right after it; one at `target` needs none.
        if let usable = checkpoints?.newestUsable(
            atOrBefore: target, notBefore: min(firstSeq - 1, target), journalID: reader.journalID)
        {
            return usable
        }
        guard firstSeq <= 1 || target == 0 else {
            throw EngineError(
                .notFound,
                "the state at seq \(target) cannot be rebuilt: the journal holds seqs \(firstSeq)–\(reader.lastSeq) "
                    + "(\(reader.startReason)) and no usable checkpoint lies between seq "
                    + "\(firstSeq - 1) and seq \(target)")
        }
        return nil
    }
}

extension JournalReader {
    /// Why the journal does not start at seq 1, for messages.
    var startReason: String {
        start?.epoch != nil
            ? "it was bootstrapped from a checkpoint at seq \((start?.firstSeq ?? 1) - 1)"
            : "older events were removed by retention"
    }
}
