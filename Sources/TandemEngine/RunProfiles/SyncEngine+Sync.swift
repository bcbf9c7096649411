import ConnectorKit
import TandemJournal

extension SyncEngine {
    /// Runs the synchronizer and journals its decisions; returns whether it stopped at the error limit.
    ///
    /// Each decision is applied once. The synchronizer takes the engine's state itself (so that its
    /// changes copy none of the spaces or the metaverse), applies every decision as it makes it, and
    /// the engine adopts the result once the decisions are journaled, which is the same state the
    /// journal folds to (`EngineState.apply` of a `SyncDecisions` event applies the same decisions
    /// the same way). While the decisions are being appended, `state` already shows them. If the
    /// synchronizer or an append fails, the state is rebuilt from the journal, so it is again exactly
    /// the fold of what the journal holds (the decisions of groups appended before the failure
    /// included).
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
        var synchronizer = Synchronizer(
            state: consume taken, rules: rules, errorLimit: configuration.errorLimit, renamingConnectors: renaming,
            indexes: indexes)
        do {
            if adoptingInDoubtAdds { try synchronizer.adoptInDoubtAdds(connector: name) }
            try synchronizer.synchronize(connector: name, full: full) { done, total in
                progress.report(done, total: total)
            }
        } catch {
            try rebuildFromJournal(after: error)
            throw error
        }
        statistics = synchronizer.statistics
        let stopped = synchronizer.stoppedAtErrorLimit
        let (working, decisions, newIndexes) = synchronizer.finish()
        state = working
        do {
            if let last = try await appendDecisions(decisions, runID: runID) { state.lastSeq = last }
        } catch {
            try rebuildFromJournal(after: error)
            throw error
        }
        syncIndexes = (newIndexes, state.lastSeq)
        return stopped
    }

    /// Appends the decisions as `SyncDecisions` events of `decisionsPerEvent` each, several events
    /// per append (one `fdatasync` shared by up to `decisionBytesPerAppend` of payload); returns the
    /// seq of the last event, or `nil` if there were no decisions.
    func appendDecisions(_ decisions: [SyncDecision], runID: UInt64) async throws -> UInt64? {
        var last: UInt64?
        var group: [JournalEvent] = []
        var groupEvents: [EngineEvent] = []
        var groupBytes = 0
        var start = 0
        while start < decisions.count {
            let end = min(start + decisionsPerEvent, decisions.count)
            let event = EngineEvent.syncDecisions(SyncDecisions(runID: runID, decisions: Array(decisions[start..<end])))
            let encoded = EngineEventCodec.encode(event, timeMicroseconds: JournalClock.nowMicroseconds())
            group.append(encoded)
            groupEvents.append(event)
            groupBytes += encoded.payload.count
            start = end
            if groupBytes >= decisionBytesPerAppend || start == decisions.count {
                let seqs = try await journal.append(contentsOf: group)
                recordForObjectIndex(groupEvents, seqs: seqs)
                last = seqs.upperBound
                group = []
                groupEvents = []
                groupBytes = 0
            }
        }
        return last
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
