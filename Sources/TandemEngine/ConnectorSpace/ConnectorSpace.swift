import ConnectorKit

/// Tandem's copy of one connected system: its objects, the exports pending for it, its sync
/// errors and its watermark.
public struct ConnectorSpace: Hashable, Sendable {
    public let connector: String
    public internal(set) var objects: [Anchor: ConnectorSpaceObject] = [:]
    public internal(set) var pendingExports: [Anchor: PendingExport] = [:]
    public internal(set) var errors: [Anchor: SyncErrorRecord] = [:]
    /// Deletes that exceeded the deletion threshold and wait for an operator's approval.
    public internal(set) var heldDeletes: Set<Anchor> = []
    /// Held deletes an operator approved: the next export performs them whatever the threshold.
    public internal(set) var approvedDeletes: Set<Anchor> = []
    /// Exports written but not yet confirmed by an import: sync does not stage them again until
    /// the next import shows whether they took (an unconfirmed value is then exported again).
    public internal(set) var unconfirmedExports: [Anchor: PendingExport.Operation] = [:]
    /// Pending exports handed to the connector whose outcome was never recorded (the server
    /// stopped mid-batch), with the epoch they were attempted under. They may or may not have
    /// taken: a confirming import settles them before anything is exported again.
    public internal(set) var inDoubtExports: [Anchor: UInt64] = [:]
    public internal(set) var watermark: Watermark?
    /// Objects added, changed or deleted by imports since the last sync of this connector
    /// (what a delta sync processes).
    public internal(set) var changedSinceSync: Set<Anchor> = []

    public init(connector: String) {
        self.connector = connector
    }

    public subscript(anchor: Anchor) -> ConnectorSpaceObject? { objects[anchor] }
}
