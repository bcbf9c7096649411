/// The fixed 64-byte header in front of every frame's payload (Journal/FORMAT.md, "Frame").
public struct FrameHeader: Sendable, Hashable {
    /// Bytes of payload as stored (compressed) after the header.
    public var storedLength: UInt32
    /// CRC-32 over the header (with this field zeroed) and the stored payload.
    public var checksum: UInt32
    /// The checksum of the frame before this one; 0 before the first frame of a journal.
    public var previousChecksum: UInt32
    public var type: UInt16
    public var codec: UInt8
    public var flags: UInt8
    /// Number of events; their sequence numbers are `firstSeq ..< firstSeq + count`.
    public var count: UInt32
    public var epoch: UInt64
    public var firstSeq: UInt64
    public var earliestTimeMicroseconds: Int64
    public var latestTimeMicroseconds: Int64
    public var inflatedLength: UInt32
    public var reserved: UInt32 = 0

    /// The frame's total size on disk.
    public var frameLength: Int { FormatV1.frameHeaderLength + Int(storedLength) }
    /// The last sequence number in the frame (`firstSeq - 1` if it holds no events).
    public var lastSeq: UInt64 { firstSeq &+ UInt64(count) &- 1 }
    /// Whether a reader that does not know ``type`` may skip this frame.
    public var isIgnorable: Bool { type & FormatV1.frameTypeIgnorableBit != 0 }

    func serialized() -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(FormatV1.frameHeaderLength)
        bytes.appendLittleEndian(FormatV1.frameMagic)
        bytes.appendLittleEndian(storedLength)
        bytes.appendLittleEndian(checksum)
        bytes.appendLittleEndian(previousChecksum)
        bytes.appendLittleEndian(type)
        bytes.append(codec)
        bytes.append(flags)
        bytes.appendLittleEndian(count)
        bytes.appendLittleEndian(epoch)
        bytes.appendLittleEndian(firstSeq)
        bytes.appendLittleEndian(earliestTimeMicroseconds)
        bytes.appendLittleEndian(latestTimeMicroseconds)
        bytes.appendLittleEndian(inflatedLength)
        bytes.appendLittleEndian(reserved)
        assert(bytes.count == FormatV1.frameHeaderLength)
        return bytes
    }

    /// Parses a header; `nil` if the magic is wrong. Field values are validated by the decoder.
    static func parse(_ raw: UnsafeRawBufferPointer) -> FrameHeader? {
        precondition(raw.count >= FormatV1.frameHeaderLength)
        guard raw.readLittleEndian(UInt32.self, at: 0) == FormatV1.frameMagic else { return nil }
        return FrameHeader(
            storedLength: raw.readLittleEndian(UInt32.self, at: 4),
            checksum: raw.readLittleEndian(UInt32.self, at: 8),
            previousChecksum: raw.readLittleEndian(UInt32.self, at: 12),
            type: raw.readLittleEndian(UInt16.self, at: 16),
            codec: raw[18],
            flags: raw[19],
            count: raw.readLittleEndian(UInt32.self, at: 20),
            epoch: raw.readLittleEndian(UInt64.self, at: 24),
            firstSeq: raw.readLittleEndian(UInt64.self, at: 32),
            earliestTimeMicroseconds: raw.readLittleEndian(Int64.self, at: 40),
            latestTimeMicroseconds: raw.readLittleEndian(Int64.self, at: 48),
            inflatedLength: raw.readLittleEndian(UInt32.self, at: 56),
            reserved: raw.readLittleEndian(UInt32.self, at: 60)
        )
    }

    /// The checksum of a frame: CRC-32 of the header with its checksum field zeroed, then of the payload.
    static func computeChecksum(header: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) -> UInt32 {
        var crc = journalCRC32(UnsafeRawBufferPointer(rebasing: header[0..<8]))
        crc = withUnsafeBytes(of: UInt32(0)) { journalCRC32($0, seed: crc) }
        crc = journalCRC32(UnsafeRawBufferPointer(rebasing: header[12..<FormatV1.frameHeaderLength]), seed: crc)
        return journalCRC32(payload, seed: crc)
    }
}
