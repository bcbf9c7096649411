import ConnectorKit
import TandemJournal

extension SyncEngine {
    /// Runs the synchronizer and journals its decisions; returns whether it stopped at the error limit.
    ///
    /// Each decision is applied once. The synchronizer takes the engine's state itself (so that its
    /// changes copy none of the spaces or the metaverse), applies every decision as it makes it, and
    /// the engine adopts the result, which is the same state the journal folds to
    /// (`EngineState.apply` of a `SyncDecisions` event applies the same decisions the same way). The
    /// decisions are appended while the run goes on; the run ends once the last is durable, and
    /// while it waits `state` already shows them. If the synchronizer or an append fails, the state is
    /// rebuilt from the journal, so it is again exactly the fold of what the journal holds (the
    /// decisions of groups appended before the failure included).
    ///
    /// `adoptingInDoubtAdds`: first link objects that an in-doubt add of an earlier epoch already
    /// created in the connected system (found by the confirming import), instead of adding them again.
    func synchronize(
        connector name: String, runID: UInt64, full: Bool, statistics: inout RunStatistics,
        adoptingInDoubtAdds: Bool = false
    ) async throws -> Bool {
        _ = try self.connector(name)
        let renaming = Set(connectors.filter { $0.value.capabilities.exportOperations.contains(.rename) }.keys)
        let handler = progressHandler
        var progress = ProgressReporter(
            connector: name, profile: full ? .fullSync : .deltaSync, stage: "synchronizing", handler: handler)
        let indexes = syncIndexes.flatMap { $0.validAtSeq == state.lastSeq ? $0.indexes : nil }
        syncIndexes = nil
        let taken = state
        state = EngineState()
        // Decisions are encoded and appended by another thread while the run computes the next ones
        // (see ``SyncDecisionEncoder``).
        let encoder = SyncDecisionEncoder(
            runID: runID, decisionsPerEvent: decisionsPerEvent, keepsEvents: objectIndexAccumulator != nil,
            journal: journal, bytesPerAppend: decisionBytesPerAppend)
        var synchronizer = Synchronizer(
            state: consume taken, rules: rules, errorLimit: configuration.errorLimit, renamingConnectors: renaming,
            indexes: indexes, encoder: encoder)
        do {
            if adoptingInDoubtAdds { try synchronizer.adoptInDoubtAdds(connector: name) }
            try synchronizer.synchronize(connector: name, full: full) { done, total in
                progress.report(done, total: total)
            }
        } catch {
            encoder.abandon()
            state = synchronizer.finish().state  // until the rebuild, once the appends in flight are done
            record(await encoder.finish())
            try rebuildFromJournal(after: error)
            throw error
        }
        statistics = synchronizer.statistics
        let stopped = synchronizer.stoppedAtErrorLimit
        synchronizer.flushDecisions()
        let (working, _, newIndexes) = synchronizer.finish()
        state = working
        let appended = await encoder.finish()
        record(appended)
        if let error = appended.error {
            try rebuildFromJournal(after: error)
            throw error
        }
        if let last = appended.lastSeq { state.lastSeq = last }
        syncIndexes = (newIndexes, state.lastSeq)
        return stopped
    }

    /// Notes the decision events a run appended for the object index.
    private func record(_ appended: SyncDecisionEncoder.Appended) {
        for (events, seqs) in appended.events { recordForObjectIndex(events, seqs: seqs) }
    }

    /// Sets how many payload bytes of decision events share one append (tests make it small).
    package func setDecisionBytesPerAppend(_ bytes: Int) { decisionBytesPerAppend = max(1, bytes) }

    /// Makes the state the fold of the journal again after a sync run failed with its working state
    /// half applied or its decisions half appended. If even that fails, the engine cannot go on.
    private func rebuildFromJournal(after error: any Error) throws {
        syncIndexes = nil
        do {
            state = try EngineReplay.replay(directory: journal.directory, through: journal.lastSeq)
        } catch let replayError {
            logger.critical(
                "sync failed and the state could not be rebuilt from the journal; reopen the engine",
                metadata: ["error": "\(error)", "replayError": "\(replayError)"])
            throw replayError
        }
    }
}
