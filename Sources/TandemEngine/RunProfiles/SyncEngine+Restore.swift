import TandemJournal

extension SyncEngine {
    /// Restores the state to what it was at `seq` and goes live from there under a new epoch.
    ///
    /// Appends `epochStarted(epoch + 1)` and a restore event naming `seq` in a new segment; the
    /// events after `seq` stay in the journal under their old epoch, readable and replayable,
    /// never applied again. Every connector must be imported before it exports again.
    ///
    /// - Parameters:
    ///   - seq: the seq whose state to restore; at least 1 and before the current last seq.
    ///   - target: how the operator named the target, recorded in the event.
    /// - Throws: ``EngineError`` `.notFound` if the retained journal and checkpoints cannot rebuild
    ///   the state at `seq` (nothing is written then).
    ///   - rebuilt: the state at `seq` if the caller already rebuilt it (a ``RestorePlan``'s); the fold
    ///     through a seq never changes, so it need not be rebuilt again.
    ///   - newEpoch: the epoch to go live under, as granted by the deployment's epoch authority;
    ///     `nil` without one (then the journal's epoch + 1). Never chosen by a server that has an
    ///     authority: two servers each picking "my epoch + 1" could both export.
    @discardableResult
    public func restore(
        to seq: UInt64, target: String, rebuilt: EngineState? = nil, newEpoch: UInt64? = nil
    ) async throws -> Restored {
        guard seq >= 1, seq <= state.lastSeq else {
            throw EngineError(
                .invalidArgument, "seq \(seq) is not in the journal (it holds seqs up to \(state.lastSeq))")
        }
        if let newEpoch, newEpoch <= state.epoch {
            throw EngineError(
                .invalidArgument, "epoch \(newEpoch) is not after the current epoch \(state.epoch); epochs only grow")
        }
        // Rebuilt before anything is written: a target outside the retained journal fails here.
        let restored =
            try rebuilt.flatMap { $0.lastSeq == seq ? $0 : nil }
            ?? EngineReplay.replay(directory: journal.directory, checkpoints: checkpointing?.checkpoints, through: seq)
            .state
        let event = Restored(toSeq: seq, stateDigest: restored.stateDigest, target: target)
        let epoch = newEpoch ?? state.epoch + 1
        try await journal.beginEpoch(epoch)
        let time = JournalClock.nowMicroseconds()
        let seqs = try await journal.append(contentsOf: [
            EngineEventCodec.encode(.epochStarted(epoch: epoch), timeMicroseconds: time),
            EngineEventCodec.encode(.restored(event), timeMicroseconds: time),
        ])
        recordForObjectIndex([.epochStarted(epoch: epoch), .restored(event)], seqs: seqs)
        syncIndexes = nil  // built for the abandoned state
        try state.apply(.epochStarted(epoch: epoch), seq: seqs.lowerBound, timeMicroseconds: time)
        state.adoptRestored(event, from: restored, seq: seqs.upperBound)
        lastCommitTime = time
        logger.notice(
            "restored", metadata: ["toSeq": "\(seq)", "epoch": "\(epoch)", "stateDigest": "\(event.stateDigest)"])
        await checkpointIfDue(after: [.epochStarted(epoch: epoch)])
        writeObjectIndexTail()
        return event
    }

    /// Records a named restore point at the current position.
    @discardableResult
    public func recordRestorePoint(_ name: String) async throws -> UInt64 {
        // The point's own seq: a checkpoint taken right after it would be the last seq.
        try await commit([.restorePoint(name: name)])!.lowerBound
    }
}
