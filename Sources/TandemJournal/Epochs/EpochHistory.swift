/// Where each epoch of a journal begins: the terms of its active servers, in order.
///
/// Two servers never write under the same epoch (an epoch authority grants each one once),
/// and staging servers copy frames byte for byte, so two journals of one deployment hold the
/// same events wherever they agree on the epoch of a seq. Where they first disagree is the
/// **switch point**: the events one of them holds beyond it, under an older epoch, are a
/// divergent tail written by a superseded active.
public struct EpochHistory: Sendable, Hashable, CustomStringConvertible {
    /// Each epoch's first seq, in journal order (epochs strictly growing).
    public var starts: [Start]
    /// The journal's last seq; 0 if empty.
    public var lastSeq: UInt64

    /// One epoch's beginning.
    public struct Start: Sendable, Hashable, Codable {
        public var epoch: UInt64
        public var firstSeq: UInt64

        public init(epoch: UInt64, firstSeq: UInt64) {
            self.epoch = epoch
            self.firstSeq = firstSeq
        }
    }

    public init(starts: [Start], lastSeq: UInt64) {
        self.starts = starts
        self.lastSeq = lastSeq
    }

    /// The epoch history of the journal files a reader sees (segment headers only, nothing inflated).
    public init(_ reader: JournalReader) {
        var starts: [Start] = []
        for segment in reader.segmentSummaries {
            guard let header = segment.header, segment.frames.contains(where: { $0.count > 0 }) else { continue }
            if starts.last?.epoch != header.epoch {
                starts.append(Start(epoch: header.epoch, firstSeq: header.firstSeq))
            }
        }
        self.init(starts: starts, lastSeq: reader.lastSeq)
    }

    /// The epoch the event at `seq` was written under; `nil` beyond the end or before the first start.
    public func epoch(at seq: UInt64) -> UInt64? {
        guard seq >= 1, seq <= lastSeq else { return nil }
        return starts.last(where: { $0.firstSeq <= seq })?.epoch
    }

    /// The newest epoch; `nil` for an empty journal.
    public var currentEpoch: UInt64? { starts.last?.epoch }

    /// The last seq this journal shares with `other`, if this journal holds events beyond it that
    /// `other` superseded (a divergent tail); `nil` if this journal is a prefix of the other's
    /// history (it only lags) or the other lags behind it in the same epoch.
    ///
    /// Only a journal whose events were superseded by a *newer* epoch in `other` has a divergent
    /// tail: where the two disagree and `other`'s epoch is the higher, this journal's events
    /// from that seq on were never shipped to the server that now leads. Epochs change only
    /// where one of the histories starts one, so those seqs are the only ones to compare.
    public func divergence(from other: EpochHistory) -> UInt64? {
        let shared = min(lastSeq, other.lastSeq)
        var candidates = Set(starts.map(\.firstSeq)).union(other.starts.map(\.firstSeq))
        candidates.insert(1)
        for seq in candidates.sorted() where seq <= shared {
            guard let mine = epoch(at: seq), let theirs = other.epoch(at: seq), mine != theirs else { continue }
            return theirs > mine ? seq - 1 : nil
        }
        // Agreeing wherever both hold events: one is a prefix of the other, or lags behind it.
        return nil
    }

    public var description: String {
        starts.map { "epoch \($0.epoch) from seq \($0.firstSeq)" }.joined(separator: ", ") + ", last seq \(lastSeq)"
    }
}
