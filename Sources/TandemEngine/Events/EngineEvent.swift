import ConnectorKit

/// The engine's vocabulary: every import, sync decision, export and run boundary is one of
/// these, appended to the journal. Replaying them rebuilds the state exactly; replay applies
/// the recorded decisions and never re-runs rules (Journal/FORMAT.md, "Engine events").
public enum EngineEvent: Hashable, Sendable {
    case configurationApplied(ConfigurationApplied)
    case runStarted(RunStarted)
    case runFinished(RunFinished)
    case objectsImported(ObjectsImported)
    case syncDecisions(SyncDecisions)
    case exportResults(ExportResults)
    case deletesApproved(DeletesApproved)
    case epochStarted(epoch: UInt64)
    case restorePoint(name: String)
    /// A checkpoint of the state through `seq` was written (time travel: kinds 10–19).
    case checkpointTaken(CheckpointTaken)
    /// The state went back to what it was at an earlier seq; the events between are abandoned.
    case restored(Restored)
    case exportsAttempted(ExportsAttempted)
    case exportsReconciled(ExportsReconciled)

    /// The journal type code of each kind of event.
    public enum Kind: UInt16, CaseIterable, Sendable {
        case configurationApplied = 1
        case runStarted = 2
        case runFinished = 3
        case objectsImported = 4
        case syncDecisions = 5
        case exportResults = 6
        case deletesApproved = 7
        case epochStarted = 8
        case restorePoint = 9
        case checkpointTaken = 10
        case restored = 11
        // 20–29: promotion and fencing.
        case exportsAttempted = 20
        case exportsReconciled = 21

        public var name: String {
            switch self {
            case .configurationApplied: "configurationApplied"
            case .runStarted: "runStarted"
            case .runFinished: "runFinished"
            case .objectsImported: "objectsImported"
            case .syncDecisions: "syncDecisions"
            case .exportResults: "exportResults"
            case .deletesApproved: "deletesApproved"
            case .epochStarted: "epochStarted"
            case .restorePoint: "restorePoint"
            case .checkpointTaken: "checkpointTaken"
            case .restored: "restored"
            case .exportsAttempted: "exportsAttempted"
            case .exportsReconciled: "exportsReconciled"
            }
        }
    }

    public var kind: Kind {
        switch self {
        case .configurationApplied: .configurationApplied
        case .runStarted: .runStarted
        case .runFinished: .runFinished
        case .objectsImported: .objectsImported
        case .syncDecisions: .syncDecisions
        case .exportResults: .exportResults
        case .deletesApproved: .deletesApproved
        case .epochStarted: .epochStarted
        case .restorePoint: .restorePoint
        case .checkpointTaken: .checkpointTaken
        case .restored: .restored
        case .exportsAttempted: .exportsAttempted
        case .exportsReconciled: .exportsReconciled
        }
    }
}

/// A configuration became active. Secrets are never recorded: only the names of the
/// environment variables or files they come from appear in `summary`.
public struct ConfigurationApplied: Hashable, Sendable {
    /// SHA-256 (hex) of the canonical configuration.
    public var versionHash: String
    /// The configuration with secrets replaced by their references, as canonical JSON.
    public var summary: String

    public init(versionHash: String, summary: String) {
        self.versionHash = versionHash
        self.summary = summary
    }
}

/// A run profile: one step on one connector, or a cycle over all.
public enum RunProfile: String, Hashable, Sendable, CaseIterable {
    case fullImport = "full-import"
    case deltaImport = "delta-import"
    case fullSync = "full-sync"
    case deltaSync = "delta-sync"
    case export
    case initialCycle = "initial-cycle"
    case deltaCycle = "delta-cycle"
}

public struct RunStarted: Hashable, Sendable {
    public var runID: UInt64
    /// The connector, or `nil` for a cycle.
    public var connector: String?
    public var profile: RunProfile

    public init(runID: UInt64, connector: String?, profile: RunProfile) {
        self.runID = runID
        self.connector = connector
        self.profile = profile
    }
}

/// How a run ended.
public enum RunStatus: String, Hashable, Sendable, CaseIterable {
    case success
    case completedWithErrors = "completed-with-errors"
    case stoppedErrorLimit = "stopped-error-limit"
    case deletesHeld = "deletes-held"
    case stoppedConnectorError = "stopped-connector-error"
    case cancelled
    /// The server lost (or never held) the current epoch's lease: exporting stopped before the next batch.
    case fenced = "stopped-fenced"
}

/// Counts per stage of a run.
public struct RunStatistics: Hashable, Sendable {
    public var adds = 0
    public var updates = 0
    public var deletes = 0
    public var renames = 0
    public var unchanged = 0
    public var errors = 0
    public var projections = 0
    public var joins = 0
    public var disconnections = 0
    public var exportsStaged = 0

    public init() {}
}

public struct RunFinished: Hashable, Sendable {
    public var runID: UInt64
    public var status: RunStatus
    public var statistics: RunStatistics
    /// Why the run stopped, without attribute values; empty on success.
    public var message: String

    public init(runID: UInt64, status: RunStatus, statistics: RunStatistics, message: String = "") {
        self.runID = runID
        self.status = status
        self.statistics = statistics
        self.message = message
    }
}

/// A change to a connector space, as imported.
public enum ConnectorSpaceChange: Hashable, Sendable {
    /// The object's whole current state (added or changed).
    case upsert(ImportedObject)
    case update(anchor: Anchor, changes: [AttributeChange])
    case rename(anchor: Anchor, distinguishedName: String)
    case delete(anchor: Anchor)
    /// The object was imported exactly as the space holds it (type, name and values), and that settles
    /// something: it confirms a provisioned object or an exported value. Applying it is applying an upsert of
    /// the held object. An import that confirms a whole export journals a million anchors instead of a
    /// million objects the space already holds, and holds no more than that until its stream ends.
    case confirm(anchor: Anchor)
}

/// An object as an import reports it, its attributes packed as the connector space holds them (so an
/// import packs each object once, and replay reads an event's objects without making dictionaries).
public struct ImportedObject: Hashable, Sendable {
    public var anchor: Anchor
    public var objectType: ObjectType
    public var distinguishedName: String?
    public var attributes: PackedAttributes

    public init(
        anchor: Anchor, objectType: ObjectType, distinguishedName: String? = nil,
        attributes: PackedAttributes = PackedAttributes()
    ) {
        self.anchor = anchor
        self.objectType = objectType
        self.distinguishedName = distinguishedName
        self.attributes = attributes
    }

    public init(_ object: ConnectorObject) {
        self.init(
            anchor: object.anchor, objectType: object.objectType, distinguishedName: object.distinguishedName,
            attributes: PackedAttributes(object.attributes))
    }
}

/// One batch of an import: the changes to apply to a connector space, and on the last batch the new watermark.
public struct ObjectsImported: Hashable, Sendable {
    public var runID: UInt64
    public var connector: String
    public var changes: [ConnectorSpaceChange]
    public var watermark: Watermark?

    public init(runID: UInt64, connector: String, changes: [ConnectorSpaceChange], watermark: Watermark? = nil) {
        self.runID = runID
        self.connector = connector
        self.changes = changes
        self.watermark = watermark
    }
}

/// One decision of a sync run, recorded so that replay applies it instead of re-running rules.
///
/// The cases with large payloads, one per object rather than one per attribute, are `indirect`
/// (boxed), so that the many `setAttribute` decisions a run holds until they are journaled take
/// 48 bytes each rather than the size of the largest case.
public enum SyncDecision: Hashable, Sendable {
    /// A new metaverse object, projected from a connector-space object.
    indirect case project(MetaverseID, objectType: ObjectType, from: ConnectorSpaceLink)
    case join(ConnectorSpaceLink, to: MetaverseID)
    /// The connector-space object no longer belongs to the metaverse object (it left scope or was deleted).
    case disconnect(ConnectorSpaceLink, from: MetaverseID)
    /// Values of a metaverse attribute, with who set them.
    case setAttribute(MetaverseID, attribute: String, values: EncodedValues, contributor: Contributor)
    /// An `AuthoritativeNull`: the attribute is absent and lower-precedence rules may not set it.
    case setAuthoritativeNull(MetaverseID, attribute: String, contributor: Contributor)
    case removeAttribute(MetaverseID, attribute: String)
    case deleteMetaverseObject(MetaverseID)
    /// A connector-space object created by an outbound rule, awaiting export; its anchor is provisional.
    indirect case provision(
        ConnectorSpaceLink, objectType: ObjectType, distinguishedName: String?, metaverseID: MetaverseID)
    indirect case stageExport(connector: String, PendingExport)
    case clearExport(ConnectorSpaceLink)
    indirect case recordError(ConnectorSpaceLink, SyncErrorRecord)
    case clearError(ConnectorSpaceLink)
    case holdDelete(ConnectorSpaceLink)
    /// Every import change of the connector so far has been synchronized (delta sync starts after it).
    case markSynchronized(connector: String)
}

public struct SyncDecisions: Hashable, Sendable {
    public var runID: UInt64
    public var decisions: [SyncDecision]

    public init(runID: UInt64, decisions: [SyncDecision]) {
        self.runID = runID
        self.decisions = decisions
    }
}

/// The outcome of exporting one pending export.
public enum ExportOutcome: Hashable, Sendable {
    /// Written; for an add, `anchor` is the identity the system gave the object.
    case applied(anchor: Anchor)
    /// Not written; the export stays pending.
    case failed(code: String, message: String)
}

public struct ExportResults: Hashable, Sendable {
    public var runID: UInt64
    public var connector: String
    /// Per pending export (by its anchor at the time of export), what happened.
    public var results: [(anchor: Anchor, outcome: ExportOutcome)]

    public init(runID: UInt64, connector: String, results: [(anchor: Anchor, outcome: ExportOutcome)]) {
        self.runID = runID
        self.connector = connector
        self.results = results
    }

    public static func == (lhs: ExportResults, rhs: ExportResults) -> Bool {
        lhs.runID == rhs.runID && lhs.connector == rhs.connector && lhs.results.count == rhs.results.count
            && zip(lhs.results, rhs.results).allSatisfy { $0.anchor == $1.anchor && $0.outcome == $1.outcome }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(runID)
        hasher.combine(connector)
        for result in results {
            hasher.combine(result.anchor)
            hasher.combine(result.outcome)
        }
    }
}

/// An operator approved held deletes.
public struct DeletesApproved: Hashable, Sendable {
    public var connector: String
    public var anchors: [Anchor]

    public init(connector: String, anchors: [Anchor]) {
        self.connector = connector
        self.anchors = anchors
    }
}

extension ConnectorSpaceChange {
    /// The object the change is about.
    public var anchor: Anchor {
        switch self {
        case .upsert(let object): object.anchor
        case .update(let anchor, _), .rename(let anchor, _), .delete(let anchor), .confirm(let anchor): anchor
        }
    }
}

/// A checkpoint file now holds the state through `seq`; the digest lets anyone check a
/// checkpoint (or a replay) against what the engine had when it took it.
public struct CheckpointTaken: Hashable, Sendable {
    public var seq: UInt64
    /// The state digest (hex SHA-256) at `seq`.
    public var stateDigest: String

    public init(seq: UInt64, stateDigest: String) {
        self.seq = seq
        self.stateDigest = stateDigest
    }
}

/// A point-in-time restore: from this event on, the state is the fold of the journal through
/// `toSeq` (connector spaces, metaverse, pending exports), and what the events after `toSeq` and
/// before this one did is abandoned — still in the journal, never applied again. Run history and
/// restore points carry on, so run IDs are never reused.
public struct Restored: Hashable, Sendable {
    /// The seq whose state was restored.
    public var toSeq: UInt64
    /// The state digest (hex SHA-256) of the restored state, as computed when restoring.
    public var stateDigest: String
    /// How the operator named the target: `seq 120`, `time 2026-11-25T09:00:00Z`, `point before-change`.
    public var target: String

    public init(toSeq: UInt64, stateDigest: String, target: String) {
        self.toSeq = toSeq
        self.stateDigest = stateDigest
        self.target = target
    }
}
