import ConnectorKit

/// The whole engine state: connector spaces, metaverse, pending exports. It is a pure fold
/// of the journal's engine events: `state = events.reduce(EngineState(), apply)`. Nothing but
/// the event and the state may influence what applying an event does.
public struct EngineState: Sendable {
    public internal(set) var connectorSpaces: [String: ConnectorSpace] = [:]
    public internal(set) var metaverse: [MetaverseID: MetaverseObject] = [:]
    /// The next metaverse ID to assign.
    public internal(set) var nextMetaverseID: UInt64 = 1
    public internal(set) var configurationHash: String?
    public internal(set) var epoch: UInt64 = 1
    /// Run history, newest last (not part of the state digest).
    public internal(set) var runs: [RunRecord] = []
    /// Named restore points (not part of the state digest).
    public internal(set) var restorePoints: [(name: String, seq: UInt64)] = []
    /// The journal seq of the last event applied.
    public internal(set) var lastSeq: UInt64 = 0
    /// Connectors restored to an earlier state that must be fully imported before they export,
    /// so the connected system is reconciled with the restored state rather than overwritten.
    public internal(set) var awaitingImport: Set<String> = []

    public init() {}

    /// A run as the history shows it.
    public struct RunRecord: Hashable, Sendable {
        public var runID: UInt64
        public var connector: String?
        public var profile: RunProfile
        public var startSeq: UInt64
        public var startTimeMicroseconds: Int64
        public var endTimeMicroseconds: Int64?
        public var status: RunStatus?
        public var statistics: RunStatistics?
        public var message: String?
    }

    public func space(_ connector: String) -> ConnectorSpace {
        connectorSpaces[connector] ?? ConnectorSpace(connector: connector)
    }

    /// Applies one journal event. Replaying the same events always yields the same state.
    public mutating func apply(_ event: EngineEvent, seq: UInt64, timeMicroseconds: Int64) throws(EngineError) {
        switch event {
        case .configurationApplied(let e):
            configurationHash = e.versionHash
        case .runStarted(let e):
            runs.append(
                RunRecord(
                    runID: e.runID, connector: e.connector, profile: e.profile, startSeq: seq,
                    startTimeMicroseconds: timeMicroseconds))
        case .runFinished(let e):
            guard let index = runs.lastIndex(where: { $0.runID == e.runID }) else {
                throw EngineError(.inconsistentJournal, "run \(e.runID) finishes but never started", seq: seq)
            }
            runs[index].endTimeMicroseconds = timeMicroseconds
            runs[index].status = e.status
            runs[index].statistics = e.statistics
            runs[index].message = e.message
            if runs[index].profile == .fullImport, let connector = runs[index].connector,
                e.status == .success || e.status == .completedWithErrors
            {
                awaitingImport.remove(connector)
            }
            if runs.count > 10_000 { runs.removeFirst(runs.count - 10_000) }
        case .objectsImported(let e):
            var space = takeSpace(e.connector)
            for change in e.changes { try applyImport(change, to: &space, seq: seq) }
            if let watermark = e.watermark { space.watermark = watermark }
            space.releaseUnusedCapacity()
            connectorSpaces[e.connector] = space
        case .syncDecisions(let e):
            for decision in e.decisions { try apply(decision, seq: seq) }
        case .exportResults(let e):
            var space = takeSpace(e.connector)
            for (anchor, outcome) in e.results { try applyExport(anchor, outcome, to: &space, seq: seq) }
            space.releaseUnusedCapacity()
            connectorSpaces[e.connector] = space
        case .deletesApproved(let e):
            var space = takeSpace(e.connector)
            for anchor in e.anchors where space.heldDeletes.remove(anchor) != nil {
                space.approvedDeletes.insert(anchor)
            }
            connectorSpaces[e.connector] = space
        case .epochStarted(let newEpoch):
            // Replay never goes back to an earlier term: that would cross a switch point into a divergent tail.
            guard newEpoch > epoch else {
                throw EngineError(
                    .inconsistentJournal, "epoch \(newEpoch) starts after epoch \(epoch); epochs only grow", seq: seq)
            }
            epoch = newEpoch
        case .restorePoint(let name):
            restorePoints.append((name, seq))
        case .checkpointTaken:
            break
        case .restored:
            throw EngineError(
                .inconsistentJournal,
                "a restore event needs the state it restores: apply it with EngineReplay or adoptRestored(_:from:seq:)",
                seq: seq)
        case .exportsAttempted(let e):
            var space = takeSpace(e.connector)
            for anchor in e.anchors {
                guard space.pendingExports[anchor] != nil else {
                    throw EngineError(
                        .inconsistentJournal,
                        "export attempt for \(e.connector)/\(anchor), which has no pending export", seq: seq)
                }
                space.inDoubtExports[anchor] = e.epoch
            }
            connectorSpaces[e.connector] = space
        case .exportsReconciled(let e):
            var space = takeSpace(e.connector)
            for anchor in e.anchors { space.inDoubtExports[anchor] = nil }
            connectorSpaces[e.connector] = space
        }
        lastSeq = seq
    }

    /// Applies a restore event: the connector spaces, metaverse and pending exports become those
    /// of `restored` (the fold through `event.toSeq`); run history, restore points and the epoch
    /// carry on, so run IDs are never reused and named points stay reachable.
    public mutating func adoptRestored(_ event: Restored, from restored: EngineState, seq: UInt64) {
        // Every space either state knows: one empty at the target may still hold objects in its system.
        awaitingImport = Set(connectorSpaces.keys).union(restored.connectorSpaces.keys).union(restored.awaitingImport)
        connectorSpaces = restored.connectorSpaces
        metaverse = restored.metaverse
        // The restored counter, not the larger one: the state must equal the fold through
        // `toSeq` exactly (same digest). IDs the abandoned future used may be given again; history
        // (`explain`) drops the abandoned stretch, so they never mix.
        nextMetaverseID = restored.nextMetaverseID
        configurationHash = restored.configurationHash
        lastSeq = seq
    }

    /// Moves a space out of the dictionary so that mutating it does not copy it.
    private mutating func takeSpace(_ connector: String) -> ConnectorSpace {
        connectorSpaces.removeValue(forKey: connector) ?? ConnectorSpace(connector: connector)
    }
}
