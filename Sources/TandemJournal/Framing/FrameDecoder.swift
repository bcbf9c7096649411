/// Splits a byte stream into frames incrementally: each call yields a frame, or `nil` for
/// "need more bytes".
///
/// Used for segment files (after their header), for journal shipping over the network and
/// by `tandem journal verify`. Header fields are checked as soon as the header is complete,
/// so a garbage length cannot make the decoder wait for (or allocate) more than
/// ``FormatV1/maxFramePayloadBytes``.
public struct FrameDecoder: Sendable {
    /// Why a frame was rejected.
    public enum Problem: Sendable, Hashable {
        case badMagic
        case invalidHeader(String)
        case checksumMismatch(stored: UInt32, computed: UInt32)
        case unsupportedType(UInt16)
    }

    /// A frame the decoder rejected, with the byte offset where it starts (relative to the
    /// first byte fed to this decoder).
    public struct DecodingError: Error, Sendable, Hashable, CustomStringConvertible {
        public var offset: Int64
        public var problem: Problem
        /// The sequence number the header claims, when the header parsed.
        public var claimedSeq: UInt64?

        public var description: String {
            switch problem {
            case .badMagic: return "no frame starts here (bad magic)"
            case .invalidHeader(let reason): return "invalid frame header: \(reason)"
            case .checksumMismatch(let stored, let computed):
                return "frame fails its checksum (stored \(hex(stored)), computed \(hex(computed)))"
            case .unsupportedType(let type):
                return "frame type \(type) is not known to this version and is not marked ignorable"
            }
        }
    }

    /// `TFRM`: ``FormatV1/frameMagic`` as it lies on disk.
    private static let magicBytes: [UInt8] = [0x54, 0x46, 0x52, 0x4D]

    private var buffer: [UInt8] = []
    private var start = 0
    /// Offset, relative to the first byte fed, of the next undecoded byte.
    public private(set) var offset: Int64 = 0

    public init() {}

    /// Bytes received but not yet returned as a frame.
    public var bufferedByteCount: Int { buffer.count - start }

    public mutating func append<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        compactIfUseful()
        buffer.append(contentsOf: bytes)
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compactIfUseful()
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame, or `nil` if more bytes are needed.
    ///
    /// After an error the decoder stays positioned at the rejected frame.
    public mutating func next() throws(DecodingError) -> Frame? {
        let available = buffer.count - start
        if available == 0 { return nil }
        // Reject a wrong magic as soon as its bytes arrive.
        let magicMatches = buffer.withUnsafeBytes { raw in
            Self.magicMatches(UnsafeRawBufferPointer(rebasing: raw[start..<start + min(available, 4)]))
        }
        if !magicMatches { throw DecodingError(offset: offset, problem: .badMagic) }
        guard available >= FormatV1.frameHeaderLength else { return nil }
        let header = buffer.withUnsafeBytes { raw in
            FrameHeader.parse(UnsafeRawBufferPointer(rebasing: raw[start..<start + FormatV1.frameHeaderLength]))!
        }
        if let reason = Self.lengthProblem(header) {
            throw DecodingError(offset: offset, problem: .invalidHeader(reason), claimedSeq: header.firstSeq)
        }
        guard available >= header.frameLength else { return nil }
        let frameRange = start..<start + header.frameLength
        let problem = buffer.withUnsafeBytes { raw in
            Self.problem(
                header, headerBytes: UnsafeRawBufferPointer(rebasing: raw[start..<start + FormatV1.frameHeaderLength]),
                payload: UnsafeRawBufferPointer(
                    rebasing: raw[start + FormatV1.frameHeaderLength..<frameRange.upperBound]))
        }
        if let problem { throw DecodingError(offset: offset, problem: problem, claimedSeq: header.firstSeq) }
        let frame = Frame(header: header, bytes: Array(buffer[frameRange]))
        start = frameRange.upperBound
        offset += Int64(header.frameLength)
        return frame
    }

    /// Whether `bytes` (up to 4) are the start of the frame magic.
    static func magicMatches(_ bytes: UnsafeRawBufferPointer) -> Bool {
        for i in 0..<min(bytes.count, 4) where bytes[i] != magicBytes[i] { return false }
        return true
    }

    /// Problems of a complete frame whose header parsed and passed ``lengthProblem(_:)``: its
    /// checksum (zlib's CRC-32 over header and payload), then its fields.
    static func problem(
        _ header: FrameHeader, headerBytes: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer
    ) -> Problem? {
        let computed = FrameHeader.computeChecksum(header: headerBytes, payload: payload)
        guard computed == header.checksum else {
            return .checksumMismatch(stored: header.checksum, computed: computed)
        }
        return fieldProblem(header)
    }

    /// Problems visible before the payload arrives: sizes beyond the format's caps.
    static func lengthProblem(_ header: FrameHeader) -> String? {
        if Int(header.storedLength) > FormatV1.maxFramePayloadBytes {
            return "stored length \(header.storedLength) exceeds the limit of \(FormatV1.maxFramePayloadBytes)"
        }
        if Int(header.inflatedLength) > FormatV1.maxFramePayloadBytes {
            return "inflated length \(header.inflatedLength) exceeds the limit of \(FormatV1.maxFramePayloadBytes)"
        }
        return nil
    }

    /// Problems in a frame whose checksum is good: a writer bug or a newer format.
    static func fieldProblem(_ header: FrameHeader) -> Problem? {
        guard header.type == FormatV1.frameTypeEvents else {
            return header.isIgnorable ? nil : .unsupportedType(header.type)
        }
        if header.flags != 0 || header.reserved != 0 { return .invalidHeader("reserved bits are set") }
        if header.count == 0 { return .invalidHeader("an events frame holds no events") }
        if header.firstSeq == 0 { return .invalidHeader("sequence numbers start at 1") }
        if header.firstSeq > UInt64.max - UInt64(header.count) { return .invalidHeader("sequence number overflows") }
        if header.earliestTimeMicroseconds > header.latestTimeMicroseconds {
            return .invalidHeader("earliest time is after latest time")
        }
        switch FormatV1.Codec(rawValue: header.codec) {
        case .stored where header.storedLength != header.inflatedLength:
            return .invalidHeader("stored payload length differs from its inflated length")
        case .stored, .zlib: return nil
        case nil: return .invalidHeader("unknown codec \(header.codec)")
        }
    }

    private mutating func compactIfUseful() {
        if start > 0 && (start >= buffer.count || start >= 1 << 20) {
            buffer.removeFirst(start)
            start = 0
        }
    }
}

func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
