import struct Foundation.UUID

/// The fixed 128-byte header of a checkpoint file (Journal/FORMAT.md, "Checkpoint files").
///
/// The journal layer stores a checkpoint's payload as opaque bytes, like an event's; the
/// header carries what a reader needs to pick a checkpoint without inflating it.
public struct CheckpointHeader: Hashable, Sendable {
    static let magic: [UInt8] = Array("TNDMCKP".utf8) + [0]
    static let length = 128
    /// The version this build writes: 2 (the payload in parts that inflate in parallel); it reads 1 and 2.
    static let formatVersion: UInt16 = 2
    /// The largest payload (stored or inflated) a checkpoint may hold: 4 GiB − 1 (zlib's 32-bit counters).
    static let maxPayloadBytes = Int(UInt32.max)

    /// The file's format version: 1 (one zlib stream) or 2 (zlib parts).
    public var formatVersion: UInt16 = Self.formatVersion
    /// The journal the checkpoint belongs to.
    public var journalID: UUID
    /// The state is the fold of the journal's events through this seq.
    public var seq: UInt64
    /// The epoch of the event at `seq`.
    public var epoch: UInt64
    /// The time of the event at `seq`, µs since 1970.
    public var timeMicroseconds: Int64
    /// The layer above's 32-byte digest of the state (the engine's SHA-256 state digest).
    public var stateDigest: [UInt8]
    public var storedLength: UInt64
    public var inflatedLength: UInt64
    /// crc32 of the stored (compressed) payload bytes.
    public var payloadChecksum: UInt32

    func serialized() -> [UInt8] {
        var bytes = Self.magic
        bytes.reserveCapacity(Self.length)
        bytes.appendLittleEndian(formatVersion)
        bytes.appendLittleEndian(UInt16(Self.length))
        bytes.appendLittleEndian(UInt32(0))
        let id = journalID.uuid
        bytes += [
            id.0, id.1, id.2, id.3, id.4, id.5, id.6, id.7, id.8, id.9, id.10, id.11, id.12, id.13, id.14, id.15,
        ]
        bytes.appendLittleEndian(seq)
        bytes.appendLittleEndian(epoch)
        bytes.appendLittleEndian(timeMicroseconds)
        bytes.appendLittleEndian(storedLength)
        bytes.appendLittleEndian(inflatedLength)
        bytes.appendLittleEndian(payloadChecksum)
        bytes.appendLittleEndian(UInt32(0))
        bytes += stateDigest
        bytes += [UInt8](repeating: 0, count: 12)
        bytes.appendLittleEndian(journalCRC32(bytes))
        precondition(bytes.count == Self.length, "checkpoint header must be \(Self.length) bytes")
        return bytes
    }

    /// Parses and checks a header; the error names what is wrong.
    static func parse(_ bytes: [UInt8]) -> Result<CheckpointHeader, JournalError> {
        func bad(_ why: String) -> Result<CheckpointHeader, JournalError> { .failure(JournalError(.corruption, why)) }
        guard bytes.count >= length else { return bad("the file is shorter than a checkpoint header") }
        guard Array(bytes[0..<8]) == magic else { return bad("the file does not start with the checkpoint magic") }
        guard bytes.readLittleEndian(UInt32.self, at: 124) == journalCRC32(Array(bytes[0..<124])) else {
            return bad("the checkpoint header fails its checksum")
        }
        let version = bytes.readLittleEndian(UInt16.self, at: 8)
        guard version == 1 || version == formatVersion else {
            return .failure(
                JournalError(
                    .unsupportedVersion,
                    "checkpoint format version \(version) is not supported (this build reads versions 1 and \(formatVersion))"
                )
            )
        }
        guard bytes.readLittleEndian(UInt16.self, at: 10) == UInt16(length),
            bytes.readLittleEndian(UInt32.self, at: 12) == 0, bytes.readLittleEndian(UInt32.self, at: 76) == 0,
            bytes[112..<124].allSatisfy({ $0 == 0 })
        else { return bad("the checkpoint header has an unknown length, flags or reserved bytes") }
        let id = Array(bytes[16..<32])
        let header = CheckpointHeader(
            formatVersion: version,
            journalID: UUID(
                uuid: (
                    id[0], id[1], id[2], id[3], id[4], id[5], id[6], id[7], id[8], id[9], id[10], id[11], id[12],
                    id[13], id[14], id[15]
                )),
            seq: bytes.readLittleEndian(UInt64.self, at: 32), epoch: bytes.readLittleEndian(UInt64.self, at: 40),
            timeMicroseconds: bytes.readLittleEndian(Int64.self, at: 48), stateDigest: Array(bytes[80..<112]),
            storedLength: bytes.readLittleEndian(UInt64.self, at: 56),
            inflatedLength: bytes.readLittleEndian(UInt64.self, at: 64),
            payloadChecksum: bytes.readLittleEndian(UInt32.self, at: 72))
        guard header.seq >= 1 else { return bad("the checkpoint's seq is 0") }
        guard header.storedLength <= UInt64(maxPayloadBytes), header.inflatedLength <= UInt64(maxPayloadBytes) else {
            return bad("the checkpoint's payload lengths exceed 4 GiB")
        }
        return .success(header)
    }
}
