import Foundation
import TandemJournal

/// What a staging server knows about its shipping: its own position, its primary's, and counters.
struct StagingProgress: Sendable {
    /// The last seq applied to the state (what status reports, consistent with the state digest).
    var lastSeq: UInt64 = 0
    /// The last seq durable in the journal (at or ahead of ``lastSeq``).
    var durableSeq: UInt64 = 0
    var lastEventTimeMicroseconds: Int64?
    var primaryHead: JournalHead?
    var connected = false
    /// The last error shipping met (refused primary, unreachable, rejected frame); cleared by progress.
    var lastError: String?
    /// Set when shipping cannot go on without an operator (the shipped events do not apply).
    var failed = false
    var framesReceived: UInt64 = 0
    var bytesReceived: UInt64 = 0
    var framesRejected: UInt64 = 0
    var connections: UInt64 = 0
    /// The seq of the primary's checkpoint this server bootstrapped from, in this run; `nil` if it did not.
    var bootstrapSeq: UInt64?
    /// Checkpoint downloads thrown away for failing a check (each is fetched again).
    var checkpointsRejected: UInt64 = 0

    /// Events the primary has that we do not (as of its last head).
    var lagSeq: UInt64 {
        guard let head = primaryHead, head.lastSeq > lastSeq else { return 0 }
        return head.lastSeq - lastSeq
    }

    /// How much older our newest event is than the primary's newest, in seconds; both times come
    /// from the primary's clock, so clock skew between the servers does not enter. 0 when caught up.
    var lagSeconds: Double {
        guard lagSeq > 0, let theirs = primaryHead?.lastEventTimeMicroseconds else { return 0 }
        let ours = lastEventTimeMicroseconds ?? theirs
        return max(0, Double(theirs - ours) / 1e6)
    }
}
