import struct Foundation.UUID

/// The fixed 64-byte header at the start of every segment file (Journal/FORMAT.md, "Segment").
public struct SegmentHeader: Sendable, Hashable {
    public var formatVersion: UInt16
    /// The journal this segment belongs to; segments of different journals never mix.
    public var journalID: UUID
    /// The epoch of every frame in this segment.
    public var epoch: UInt64
    /// The sequence number of the first event in this segment.
    public var firstSeq: UInt64
    /// The last sequence number of the previous segment (`firstSeq - 1`), or 0 for the first segment.
    public var previousLastSeq: UInt64
    /// The checksum of the previous segment's last frame: the chain continues across files.
    public var previousChecksum: UInt32

    public init(
        journalID: UUID, epoch: UInt64, firstSeq: UInt64, previousLastSeq: UInt64, previousChecksum: UInt32
    ) {
        self.formatVersion = FormatV1.version
        self.journalID = journalID
        self.epoch = epoch
        self.firstSeq = firstSeq
        self.previousLastSeq = previousLastSeq
        self.previousChecksum = previousChecksum
    }

    func serialized() -> [UInt8] {
        var bytes = FormatV1.segmentMagic
        bytes.appendLittleEndian(formatVersion)
        bytes.appendLittleEndian(UInt16(FormatV1.segmentHeaderLength))
        bytes.appendLittleEndian(UInt32(0))  // flags
        withUnsafeBytes(of: journalID.uuid) { bytes.append(contentsOf: $0) }
        bytes.appendLittleEndian(epoch)
        bytes.appendLittleEndian(firstSeq)
        bytes.appendLittleEndian(previousLastSeq)
        bytes.appendLittleEndian(previousChecksum)
        bytes.appendLittleEndian(journalCRC32(bytes))
        assert(bytes.count == FormatV1.segmentHeaderLength)
        return bytes
    }

    /// Why a segment header could not be used.
    enum ParseFailure: Error, Equatable {
        case tooShort(Int)
        case badMagic
        case checksumMismatch
        case unsupportedVersion(UInt16)
        case invalid(String)
    }

    static func parse(_ bytes: [UInt8]) -> Result<SegmentHeader, ParseFailure> {
        guard bytes.count >= FormatV1.segmentHeaderLength else { return .failure(.tooShort(bytes.count)) }
        guard Array(bytes[0..<8]) == FormatV1.segmentMagic else { return .failure(.badMagic) }
        let stored = bytes.readLittleEndian(UInt32.self, at: 60)
        guard stored == journalCRC32(Array(bytes[0..<60])) else { return .failure(.checksumMismatch) }
        let version = bytes.readLittleEndian(UInt16.self, at: 8)
        guard version == FormatV1.version else { return .failure(.unsupportedVersion(version)) }
        guard bytes.readLittleEndian(UInt16.self, at: 10) == UInt16(FormatV1.segmentHeaderLength),
            bytes.readLittleEndian(UInt32.self, at: 12) == 0
        else { return .failure(.invalid("unknown header length or flags")) }
        let uuidBytes = Array(bytes[16..<32])
        let uuid = UUID(
            uuid: (
                uuidBytes[0], uuidBytes[1], uuidBytes[2], uuidBytes[3], uuidBytes[4], uuidBytes[5], uuidBytes[6],
                uuidBytes[7], uuidBytes[8], uuidBytes[9], uuidBytes[10], uuidBytes[11], uuidBytes[12], uuidBytes[13],
                uuidBytes[14], uuidBytes[15]
            ))
        var header = SegmentHeader(
            journalID: uuid,
            epoch: bytes.readLittleEndian(UInt64.self, at: 32),
            firstSeq: bytes.readLittleEndian(UInt64.self, at: 40),
            previousLastSeq: bytes.readLittleEndian(UInt64.self, at: 48),
            previousChecksum: bytes.readLittleEndian(UInt32.self, at: 56))
        header.formatVersion = version
        guard header.firstSeq >= 1, header.previousLastSeq == header.firstSeq - 1
        else {
            return .failure(
                .invalid("first seq \(header.firstSeq) does not follow previous last seq \(header.previousLastSeq)"))
        }
        return .success(header)
    }
}

extension SegmentHeader.ParseFailure: CustomStringConvertible {
    var description: String {
        switch self {
        case .tooShort(let count): return "segment header is incomplete (\(count) of 64 bytes)"
        case .badMagic: return "not a Tandem journal segment (bad magic)"
        case .checksumMismatch: return "segment header fails its checksum"
        case .unsupportedVersion(let version):
            return
                "segment was written by journal format version \(version); this build reads version \(FormatV1.version)"
        case .invalid(let reason): return "invalid segment header: \(reason)"
        }
    }
}
