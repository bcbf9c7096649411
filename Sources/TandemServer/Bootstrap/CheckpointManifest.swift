import Foundation
import TandemJournal

/// A checkpoint a server offers for bootstrapping a staging server: `GET /v1/checkpoint/manifest`
/// (JSON), repeated as headers on `GET /v1/checkpoint?seq=N`, whose body is the file as stored.
/// See Journal/FORMAT.md, "Based journals".
struct CheckpointManifest: Codable, Sendable, Hashable {
    /// The journal the checkpoint's state was folded from (a staging server refuses any other).
    var journalID: String
    /// The checkpoint's seq N: the state is the fold through N, and shipping continues at N + 1.
    var seq: UInt64
    /// The epoch of the event at seq N.
    var epoch: UInt64
    /// The state digest recorded in the checkpoint (64 lowercase hex digits).
    var stateDigest: String
    /// The checksum of the frame that ends at N, which the frame at N + 1 links to.
    var chainChecksum: UInt32
    /// The file's length in bytes and the crc32 of all of them.
    var length: Int64
    var checksum: UInt32
    /// The time of the last event folded into the state, µs since 1970.
    var timeMicroseconds: Int64
    /// The oldest and newest seqs the offering server's journal holds: a journal that no longer
    /// starts at seq 1 can only be followed from a checkpoint.
    var journalFirstSeq: UInt64
    var journalLastSeq: UInt64

    /// The base a staging server's journal is created on.
    var base: JournalBase? {
        UUID(uuidString: journalID).map {
            JournalBase(journalID: $0, seq: seq, epoch: epoch, chainChecksum: chainChecksum)
        }
    }

    /// Header names on `GET /v1/checkpoint` (the journal UUID rides in ``ShippingProtocol/journalIDHeader``).
    enum Header {
        static let seq = "Tandem-Checkpoint-Seq"
        static let length = "Tandem-Checkpoint-Length"
        static let checksum = "Tandem-Checkpoint-Checksum"
        static let stateDigest = "Tandem-State-Digest"
    }

    /// The media type of a checkpoint file as stored.
    static let fileType = "application/vnd.tandem.checkpoint"
}

extension CheckpointManifest {
    /// The newest checkpoint (or the one at `seq`) that a staging server can bootstrap from: sound
    /// header, this journal's UUID, and a seq where a frame of the journal ends (or where the
    /// journal starts), so that shipping can continue from the next frame. `nil` if there is none.
    static func offer(journal: Journal, checkpointDirectory: String, seq wanted: UInt64? = nil) throws
        -> CheckpointManifest?
    {
        let store = CheckpointStore(directory: checkpointDirectory)
        let candidates = try store.list().reversed().compactMap { entry -> CheckpointHeader? in
            guard case .success(let header) = entry.header, wanted == nil || wanted == header.seq,
                header.journalID == journal.journalID
            else { return nil }
            return header
        }
        // Without a candidate there is nothing to offer: a new staging server then ships from seq 1,
        // and opening a reader (which scans the open segment, every frame's checksum) would only
        // delay its first byte.
        guard !candidates.isEmpty else { return nil }
        let reader = try journal.reader()
        let lastSeq = reader.lastSeq
        guard let firstSeq = reader.firstSeq, lastSeq >= 1 else { return nil }
        for header in candidates {
            guard header.seq <= lastSeq, header.seq + 1 >= firstSeq,
                let (chain, epoch) = chainPoint(at: header.seq, reader: reader, checkpointEpoch: header.epoch)
            else { continue }
            let file = try store.openFile(seq: header.seq)
            var checksum: UInt32 = 0
            while true {
                let bytes = try file.next(maxBytes: 1 << 20)
                if bytes.isEmpty { break }
                checksum = bytes.withUnsafeBytes { CheckpointStore.checksum($0, continuing: checksum) }
            }
            return CheckpointManifest(
                journalID: journal.journalID.uuidString, seq: header.seq, epoch: epoch,
                stateDigest: header.stateDigest.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(),
                chainChecksum: chain, length: file.length, checksum: checksum,
                timeMicroseconds: header.timeMicroseconds, journalFirstSeq: firstSeq, journalLastSeq: lastSeq)
        }
        return nil
    }

    /// The chain checksum and epoch at `seq`: of the events frame ending there, or of the journal's
    /// recorded start when the journal starts right after it; `nil` if `seq` ends inside a frame.
    private static func chainPoint(at seq: UInt64, reader: JournalReader, checkpointEpoch: UInt64) -> (
        UInt32, UInt64
    )? {
        let segments = reader.segmentSummaries
        if let start = reader.start, start.firstSeq == seq + 1 {
            return (start.previousChecksum, start.epoch ?? checkpointEpoch)
        }
        if let first = segments.first?.header, first.firstSeq == seq + 1 {
            return (first.previousChecksum, checkpointEpoch)
        }
        for segment in segments {
            guard let header = segment.header, header.firstSeq <= seq else { continue }
            if let frame = segment.frames.last(where: { $0.count > 0 && $0.lastSeq == seq }) {
                return (frame.checksum, header.epoch)
            }
        }
        return nil
    }

    /// The manifest's fields as response headers.
    var headers: [(String, String)] {
        [
            (ShippingProtocol.journalIDHeader, journalID), (Header.seq, String(seq)),
            (Header.length, String(length)), (Header.checksum, String(checksum)),
            (Header.stateDigest, stateDigest),
        ]
    }
}
