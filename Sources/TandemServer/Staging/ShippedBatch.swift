/// A batch of shipped frames a staging server has made durable and applied: what an observer
/// (a benchmark, a future metric) needs to measure how far behind the primary it runs.
public struct ShippedBatch: Sendable, Hashable {
    public enum Stage: Sendable, Hashable {
        /// Written and `fdatasync`ed in the staging journal.
        case durable
        /// Applied to the staging server's state.
        case applied
    }

    public var stage: Stage
    /// The last seq of the batch.
    public var lastSeq: UInt64
    public var frames: Int
    /// The oldest and newest event times in the batch (µs since 1970, the primary's clock).
    public var earliestEventTimeMicroseconds: Int64
    public var latestEventTimeMicroseconds: Int64
}
