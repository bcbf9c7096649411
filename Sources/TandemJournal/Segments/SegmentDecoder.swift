/// Decodes a whole segment incrementally: its header, then each frame, checking checksums,
/// the chain, the epoch and seq continuity. Each call yields a frame, or `nil` for "need more bytes".
///
/// Errors are ``JournalError``s naming the byte offset (from the start of the segment) and seq.
public struct SegmentDecoder: Sendable {
    private var headerBytes: [UInt8] = []
    private var frames = FrameDecoder()
    public private(set) var header: SegmentHeader?
    private var expectedSeq: UInt64 = 0
    private var expectedPrevious: UInt32 = 0
    private let segmentName: String?

    /// - Parameter segmentName: used in error messages.
    public init(segmentName: String? = nil) {
        self.segmentName = segmentName
    }

    /// Bytes received that do not yet form a complete header or frame.
    public var bufferedByteCount: Int { header == nil ? headerBytes.count : frames.bufferedByteCount }

    public mutating func append<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        if header == nil {
            headerBytes.append(contentsOf: bytes)
        } else {
            frames.append(bytes)
        }
    }

    /// The next complete frame, or `nil` if more bytes are needed.
    public mutating func next() throws -> Frame? {
        if header == nil {
            guard headerBytes.count >= FormatV1.segmentHeaderLength else { return nil }
            switch SegmentHeader.parse(Array(headerBytes[0..<FormatV1.segmentHeaderLength])) {
            case .success(let parsed):
                header = parsed
                expectedSeq = parsed.firstSeq
                expectedPrevious = parsed.previousChecksum
                frames.append(headerBytes[FormatV1.segmentHeaderLength...])
                headerBytes = []
            case .failure(let failure):
                let code: JournalError.Code =
                    if case .unsupportedVersion = failure { .unsupportedVersion } else { .corruption }
                throw JournalError(code, failure.description, location: .init(segment: segmentName, offset: 0))
            }
        }
        let offset = Int64(FormatV1.segmentHeaderLength) + frames.offset
        let frame: Frame
        do {
            guard let next = try frames.next() else { return nil }
            frame = next
        } catch {
            let code: JournalError.Code =
                if case .unsupportedType = error.problem { .unsupportedVersion } else { .corruption }
            throw JournalError(
                code, error.description,
                location: .init(segment: segmentName, offset: offset, seq: expectedSeq))
        }
        let h = frame.header
        let location = JournalError.Location(segment: segmentName, offset: offset, seq: h.firstSeq)
        guard h.previousChecksum == expectedPrevious else {
            throw JournalError(.corruption, "frame's chain link does not match the previous frame", location: location)
        }
        guard h.epoch == header!.epoch else {
            throw JournalError(
                .corruption, "frame has epoch \(h.epoch) in a segment of epoch \(header!.epoch)", location: location)
        }
        if h.type == FormatV1.frameTypeEvents {
            guard h.firstSeq == expectedSeq else {
                throw JournalError(
                    .corruption, "frame starts at seq \(h.firstSeq) where seq \(expectedSeq) was expected",
                    location: location)
            }
            expectedSeq = h.firstSeq + UInt64(h.count)
        }
        expectedPrevious = h.checksum
        return frame
    }
}
