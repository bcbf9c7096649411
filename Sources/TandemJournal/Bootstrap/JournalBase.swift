import struct Foundation.UUID

/// Where a journal that does not start at seq 1 begins: the last seq it does not hold, and what
/// its first frame continues. A staging server that bootstraps from its primary's checkpoint at
/// seq N creates its journal *based* at N, so that shipping continues from seq N + 1 with the
/// primary's own frames (Journal/FORMAT.md, "Based journals").
public struct JournalBase: Sendable, Hashable, CustomStringConvertible {
    /// The journal whose copy this is (the primary's UUID).
    public var journalID: UUID
    /// The base seq N: the journal holds seqs N + 1 onward; the state through N comes from a checkpoint.
    public var seq: UInt64
    /// The epoch of the event at seq N; the first frame after it is of this epoch or a later one.
    public var epoch: UInt64
    /// The checksum of the frame that ends at seq N: the first frame's `previous checksum`.
    public var chainChecksum: UInt32

    public init(journalID: UUID, seq: UInt64, epoch: UInt64, chainChecksum: UInt32) {
        self.journalID = journalID
        self.seq = seq
        self.epoch = epoch
        self.chainChecksum = chainChecksum
    }

    public var description: String {
        "journal \(journalID) based at seq \(seq) (epoch \(epoch), chain \(hex(chainChecksum)))"
    }
}
