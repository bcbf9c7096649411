import Foundation
import Logging
import TandemJournal

extension SyncEngine {
    /// The state the engine opens with: the newest usable checkpoint plus the journal after it.
    static func openState(
        journal: Journal, checkpointing: CheckpointPolicy?
    ) throws -> (state: EngineState, lastCheckpointSeq: UInt64) {
        let result = try EngineReplay.replay(directory: journal.directory, checkpoints: checkpointing?.checkpoints)
        let newest = checkpointing?.checkpoints.soundHeaders().last { $0.seq <= result.state.lastSeq }?.seq
        return (result.state, newest ?? result.checkpoint?.seq ?? 0)
    }

    /// `state`, the fold of the journal through `seq`, carried on to the journal's end.
    static func resumeState(
        _ resumed: EngineState, through seq: UInt64, journal: Journal, checkpointing: CheckpointPolicy?
    ) throws -> (state: EngineState, lastCheckpointSeq: UInt64) {
        var state = resumed
        let reader = try journal.reader()
        if reader.lastSeq > seq {
            let replayer = Replayer(reader: reader, checkpoints: checkpointing?.checkpoints)
            try EngineReplay.replayPipelined(
                reader, from: seq + 1, through: reader.lastSeq, into: &state,
                restoring: { try replayer.state(through: $0).state })
        }
        let newest = checkpointing?.checkpoints.soundHeaders().last { $0.seq <= reader.lastSeq }?.seq
        return (state, newest ?? 0)
    }

    /// Writes a checkpoint of the current state now and records it in the journal.
    ///
    /// - Throws: ``EngineError`` `.invalidArgument` if checkpoints are not configured or the
    ///   journal is empty; the checkpoint store's error if the file cannot be written.
    @discardableResult
    public func checkpoint() async throws -> CheckpointTaken {
        guard let checkpointing else {
            throw EngineError(.invalidArgument, "this engine was opened without a checkpoint directory")
        }
        guard state.lastSeq >= 1 else {
            throw EngineError(.invalidArgument, "the journal is empty: there is no state to checkpoint")
        }
        // The time of the last event applied: this engine's last commit, or, if it has made none
        // since it opened (`tandem checkpoint`), the journal's newest event, which it replayed.
        let time = lastCommitTime != 0 ? lastCommitTime : journal.lastEventTimeMicroseconds ?? 0
        let taken = try checkpointing.checkpoints.save(state, journalID: journal.journalID, timeMicroseconds: time)
        lastCheckpointSeq = taken.seq
        try await commit([.checkpointTaken(taken)])
        logger.info("checkpoint written", metadata: ["seq": "\(taken.seq)", "stateDigest": "\(taken.stateDigest)"])
        extendObjectIndex(directory: checkpointing.checkpoints.store.directory)
        if let retention = checkpointing.retention { applyRetention(retention, checkpoints: checkpointing.checkpoints) }
        return taken
    }

    /// Extends the object index through the last event appended, from the references recorded as
    /// the events were appended, so `explain` scans at most the events since. A failure is logged:
    /// the recorded references are dropped and the next extension reads those events back instead.
    func extendObjectIndex(directory: String) {
        guard let accumulated = objectIndexAccumulator else { return }
        objectIndexAccumulator = ObjectIndexAccumulator(startingAt: accumulated.lastSeq + 1)
        do {
            objectIndexEventsScanned += try ObjectHistoryIndex.extend(
                directory: directory, reader: try journal.reader(), with: accumulated, logger: logger)
            // The index now covers what the tail listed; a tail left behind no longer continues it.
            try? FileManager.default.removeItem(atPath: directory + "/" + ObjectHistoryIndex.tailFileName)
        } catch {
            logger.warning(
                "could not extend the object index; explain will scan more of the journal",
                metadata: ["error": "\(error)"])
        }
    }

    /// Writes the object index's tail from the records since the last checkpoint, so that `explain`
    /// scans only the events after this point, unless they touch more objects than
    /// ``objectIndexTailLimit``. A failure is logged: `explain` scans more.
    func writeObjectIndexTail() {
        guard let checkpointing, let accumulated = objectIndexAccumulator,
            accumulated.objectCount <= objectIndexTailLimit
        else { return }
        do {
            try ObjectHistoryIndex.writeTail(
                directory: checkpointing.checkpoints.store.directory, reader: try journal.reader(), from: accumulated)
        } catch {
            logger.warning(
                "could not write the object index tail; explain will scan more of the journal",
                metadata: ["error": "\(error)"])
        }
    }

    /// Removes what retention no longer needs. A failure is logged: the journal keeps more than it must.
    func applyRetention(_ policy: RetentionPolicy, checkpoints: EngineCheckpoints) {
        do {
            let plan = try RetentionPlan.make(
                reader: try journal.reader(), checkpoints: checkpoints, policy: policy,
                now: JournalClock.nowMicroseconds())
            guard plan.cut != nil, !plan.removedSegments.isEmpty || !plan.removedCheckpoints.isEmpty else { return }
            try plan.apply(journal: journal, checkpoints: checkpoints)
            logger.info(
                "retention removed old segments and checkpoints",
                metadata: [
                    "segments": "\(plan.removedSegments.count)", "checkpoints": "\(plan.removedCheckpoints.count)",
                    "oldestRestorableSeq": "\(plan.oldestRestorableSeq.map(String.init) ?? "-")",
                ])
        } catch {
            logger.error("retention failed; nothing more was removed", metadata: ["error": "\(error)"])
        }
    }

    /// Takes a checkpoint when `interval` events have passed since the last one, or when an
    /// epoch starts. A failure is logged, not thrown: the journal, not the checkpoint, is the
    /// truth, and the next checkpoint is due again at the next commit.
    func checkpointIfDue(after events: [EngineEvent]) async {
        guard let checkpointing else { return }
        if events.allSatisfy({ if case .checkpointTaken = $0 { true } else { false } }) { return }
        let epochStarted = events.contains { if case .epochStarted = $0 { true } else { false } }
        guard epochStarted || state.lastSeq - lastCheckpointSeq >= checkpointing.interval else { return }
        do {
            try await checkpoint()
        } catch {
            logger.error(
                "could not write a checkpoint; start-up will replay from an older one",
                metadata: ["seq": "\(state.lastSeq)", "error": "\(error)"])
        }
    }
}
