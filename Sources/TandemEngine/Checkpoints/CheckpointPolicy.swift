/// When the engine writes checkpoints (every `interval` events, at each epoch start, and on
/// demand) and what retention then removes.
public struct CheckpointPolicy: Sendable {
    public var checkpoints: EngineCheckpoints
    /// Events between automatic checkpoints. Events are batches (up to 1,000 imported changes or
    /// sync decisions each), so the default bounds a start-up's replay to about ten million changes.
    public var interval: UInt64
    /// Applied after each checkpoint (a new checkpoint is what lets retention cut further); `nil` keeps everything.
    public var retention: RetentionPolicy?

    public init(checkpoints: EngineCheckpoints, interval: UInt64 = 10_000, retention: RetentionPolicy? = nil) {
        self.retention = retention
        precondition(interval >= 2, "a checkpoint interval below 2 would checkpoint its own checkpoint events")
        self.checkpoints = checkpoints
        self.interval = interval
    }
}
