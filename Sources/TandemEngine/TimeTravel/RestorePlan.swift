import ConnectorKit
import TandemJournal

/// What a point-in-time restore names: a seq, a time, or a named restore point.
public enum RestoreTarget: Hashable, Sendable, CustomStringConvertible {
    case seq(UInt64)
    /// The state after the last event at or before this time (µs since 1970).
    case time(microseconds: Int64)
    /// The newest restore point of this name.
    case point(String)

    public var description: String {
        switch self {
        case .seq(let seq): "seq \(seq)"
        case .time(let micros): "time \(micros)"
        case .point(let name): "point \(name)"
        }
    }
}

/// A restore worked out before anything is written: which seq, from which checkpoint, how many
/// events to replay, and what would change in the connector spaces and pending exports.
public struct RestorePlan: Sendable {
    public var target: RestoreTarget
    public var targetSeq: UInt64
    /// The checkpoint the rebuild starts from; `nil` for seq 1.
    public var checkpoint: CheckpointHeader?
    public var eventsToReplay: Int
    /// The events after the target that the restore abandons (they stay in the journal).
    public var abandoned: ClosedRange<UInt64>?
    public var restored: EngineState
    public var currentDigest: String
    public var restoredDigest: String
    public var connectors: [ConnectorChanges]
    public var metaverseObjects: (current: Int, restored: Int)

    /// What the restore would change in one connector space.
    public struct ConnectorChanges: Hashable, Sendable {
        public var connector: String
        /// Objects the restored state holds and the current one does not.
        public var objectsBack: Int
        /// Objects the current state holds and the restored one does not.
        public var objectsGone: Int
        public var objectsChanged: Int
        public var pendingExports: (current: Int, restored: Int)
        /// Pending exports that differ between the two (added, removed or different).
        public var pendingExportsChanged: Int

        public static func == (a: ConnectorChanges, b: ConnectorChanges) -> Bool {
            a.connector == b.connector && a.objectsBack == b.objectsBack && a.objectsGone == b.objectsGone
                && a.objectsChanged == b.objectsChanged && a.pendingExports == b.pendingExports
                && a.pendingExportsChanged == b.pendingExportsChanged
        }

        public func hash(into hasher: inout Hasher) { hasher.combine(connector) }
    }

    /// Works out a restore of the journal in `directory` from `current` (its replayed state).
    ///
    /// - Throws: ``EngineError`` `.notFound` for a target the journal does not hold, an unknown
    ///   restore point, or a target outside the restore window (older than the oldest checkpoint
    ///   retention kept), with a message that says which seqs can be restored.
    public static func make(
        directory: String, checkpoints: EngineCheckpoints?, target: RestoreTarget, current: EngineState
    ) throws -> RestorePlan {
        let reader = try JournalReader(directory: directory)
        let seq = try resolve(target, reader: reader, current: current)
        let window = RestoreWindow(reader: reader, checkpoints: checkpoints)
        guard let oldest = window.oldestSeq else {
            throw EngineError(
                .notFound,
                "\(target) (seq \(seq)) cannot be restored: the journal starts at seq \(reader.firstSeq ?? 1) "
                    + "(\(reader.startReason)) and no usable checkpoint bridges the gap")
        }
        guard seq >= oldest else {
            throw EngineError(
                .notFound,
                "\(target) (seq \(seq)) is outside the restore window: the retained journal and checkpoints reach "
                    + "back to seq \(oldest)\(window.oldestTime.map { " (\(RestoreWindow.format($0)))" } ?? ""); "
                    + (reader.start?.epoch != nil
                        ? "this journal was bootstrapped from a checkpoint and holds nothing before it"
                        : "retention removed what came before"))
        }
        let result = try EngineReplay.replay(directory: directory, checkpoints: checkpoints, through: seq)
        let restored = result.state
        // The two digests and the comparison read the states only: each on a core of its own.
        let names = Set(current.connectorSpaces.keys).union(restored.connectorSpaces.keys).sorted()
        let parts = try concurrentMap(2 + names.count) { part -> PlanPart in
            switch part {
            case 0: .digest(current.stateDigest)
            case 1: .digest(restored.stateDigest)
            default: .changes(compare(current.space(names[part - 2]), restored.space(names[part - 2])))
            }
        }
        guard case .digest(let currentDigest) = parts[0], case .digest(let restoredDigest) = parts[1] else {
            preconditionFailure("the first two parts are the digests")
        }
        return RestorePlan(
            target: target, targetSeq: seq, checkpoint: result.checkpoint, eventsToReplay: result.eventsReplayed,
            abandoned: seq < current.lastSeq ? (seq + 1)...current.lastSeq : nil, restored: restored,
            currentDigest: currentDigest, restoredDigest: restoredDigest,
            connectors: parts.dropFirst(2).map {
                guard case .changes(let changes) = $0 else { preconditionFailure("the other parts are changes") }
                return changes
            },
            metaverseObjects: (current.metaverse.count, restored.metaverse.count))
    }

    private enum PlanPart: Sendable {
        case digest(String)
        case changes(ConnectorChanges)
    }

    static func resolve(_ target: RestoreTarget, reader: JournalReader, current: EngineState) throws -> UInt64 {
        let last = reader.lastSeq
        switch target {
        case .seq(let seq):
            guard seq >= 1, seq <= last else {
                throw EngineError(.notFound, "seq \(seq) is not in the journal, which ends at seq \(last)")
            }
            return seq
        case .time(let micros):
            guard let seq = try EngineReplay.lastSeq(atOrBefore: micros, reader: reader) else {
                throw EngineError(
                    .notFound,
                    "no event in the retained journal is at or before \(RestoreWindow.format(micros)): "
                        + "there is nothing to restore to")
            }
            return seq
        case .point(let name):
            guard let point = current.restorePoints.last(where: { $0.name == name }) else {
                let known = current.restorePoints.suffix(10).map(\.name).joined(separator: ", ")
                throw EngineError(
                    .notFound,
                    "no restore point is named '\(name)'" + (known.isEmpty ? "" : "; recent ones: \(known)"))
            }
            return point.seq
        }
    }

    static func compare(_ current: ConnectorSpace, _ restored: ConnectorSpace) -> ConnectorChanges {
        var changes = ConnectorChanges(
            connector: current.connector, objectsBack: 0, objectsGone: 0, objectsChanged: 0,
            pendingExports: (current.pendingExports.count, restored.pendingExports.count), pendingExportsChanged: 0)
        for (anchor, object) in restored.objects {
            if let now = current.objects[anchor] {
                if now != object { changes.objectsChanged += 1 }
            } else {
                changes.objectsBack += 1
            }
        }
        changes.objectsGone = current.objects.keys.filter { restored.objects[$0] == nil }.count
        for anchor in Set(current.pendingExports.keys).union(restored.pendingExports.keys)
        where current.pendingExports[anchor] != restored.pendingExports[anchor] {
            changes.pendingExportsChanged += 1
        }
        return changes
    }
}
