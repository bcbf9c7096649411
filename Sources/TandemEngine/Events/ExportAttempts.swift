import ConnectorKit

/// A batch of pending exports is about to be handed to a connector, under `epoch`.
///
/// Recorded before the connector is called, so that a server taking over after a crash or a
/// forced promotion knows which exports may have reached the connected system without their
/// result being recorded (``ConnectorSpace/inDoubtExports``), and confirms them by import
/// instead of repeating them blindly.
public struct ExportsAttempted: Hashable, Sendable {
    public var runID: UInt64
    public var connector: String
    /// The epoch of the server that attempted them.
    public var epoch: UInt64
    /// The pending exports of the batch, by their anchors at the time of export.
    public var anchors: [Anchor]

    public init(runID: UInt64, connector: String, epoch: UInt64, anchors: [Anchor]) {
        self.runID = runID
        self.connector = connector
        self.epoch = epoch
        self.anchors = anchors
    }
}

/// A confirming import has settled export attempts whose outcome was unknown: what took is now
/// in the connector space (and adopted), what did not stays pending.
public struct ExportsReconciled: Hashable, Sendable {
    public var connector: String
    public var anchors: [Anchor]

    public init(connector: String, anchors: [Anchor]) {
        self.connector = connector
        self.anchors = anchors
    }
}
