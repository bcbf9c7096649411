import Logging

import struct Foundation.UUID

/// How a journal writes: segment size, compression and the bounds of group commit.
public struct JournalOptions: Sendable {
    /// A segment is sealed and a new one started when the next frame would pass this size.
    public var segmentSizeBytes: Int = 64 << 20
    /// zlib level for frame payloads: 1 (fastest) to 9 (smallest). The default, 3, measured 4.2× on
    /// identity records while appending faster than `gzip -1` compresses (BENCHMARKS.md); level 1
    /// gives about 3.8×, because each event's small header breaks up the JSON the compressor sees.
    public var compressionLevel: Int32 = 3
    /// At most this many events go into one frame.
    public var maxFrameEvents: Int = 4096
    /// At most this many bytes of event payload go into one frame (a larger single event gets a frame of its own).
    public var maxFrameBytes: Int = 1 << 20
    /// How long the writer waits for more appends to share a frame once one is queued.
    /// Zero relies on natural batching: appends that arrive during one `fdatasync` share the next frame.
    public var groupCommitWindow: Duration = .zero
    /// Appends wait (are not refused) while this many payload bytes are already queued.
    public var maxQueuedBytes: Int = 256 << 20
    /// The journal's UUID. For a new journal, `nil` makes a new random one; for an existing
    /// journal, a different value is an error (a staging server passes its primary's).
    public var journalID: UUID?
    /// The epoch new events are written under when the journal is empty (later: the last segment's).
    public var initialEpoch: UInt64 = 1
    public var logger = Logger(label: "tandem.journal")

    public init() {}

    func validate() throws {
        func bad(_ what: String) -> JournalError { JournalError(.invalidArgument, "journal option \(what)") }
        guard segmentSizeBytes >= 4096 else {
            throw bad("segmentSizeBytes must be at least 4096, not \(segmentSizeBytes)")
        }
        guard (0...9).contains(compressionLevel) else {
            throw bad("compressionLevel must be 0–9, not \(compressionLevel)")
        }
        guard (1...1_000_000).contains(maxFrameEvents) else {
            throw bad("maxFrameEvents must be 1–1000000, not \(maxFrameEvents)")
        }
        guard (1...FormatV1.maxEventPayloadBytes).contains(maxFrameBytes) else {
            throw bad("maxFrameBytes must be 1–\(FormatV1.maxEventPayloadBytes), not \(maxFrameBytes)")
        }
        guard initialEpoch >= 1 else { throw bad("initialEpoch must be at least 1") }
        guard groupCommitWindow >= .zero, groupCommitWindow <= .seconds(1) else {
            throw bad("groupCommitWindow must be between 0 and 1 second")
        }
    }
}
