/// What the journal remembers about a frame without its payload: enough to find a seq or a
/// time, to check the chain and to ship the frame by its offset.
public struct FrameSummary: Sendable, Hashable {
    /// Byte offset of the frame in its segment.
    public var offset: Int64
    public var length: Int
    public var type: UInt16
    public var firstSeq: UInt64
    public var count: UInt32
    public var checksum: UInt32
    public var previousChecksum: UInt32
    public var earliestTimeMicroseconds: Int64
    public var latestTimeMicroseconds: Int64
    public var inflatedLength: UInt32

    init(offset: Int64, header: FrameHeader) {
        self.offset = offset
        self.length = header.frameLength
        self.type = header.type
        self.firstSeq = header.firstSeq
        self.count = header.count
        self.checksum = header.checksum
        self.previousChecksum = header.previousChecksum
        self.earliestTimeMicroseconds = header.earliestTimeMicroseconds
        self.latestTimeMicroseconds = header.latestTimeMicroseconds
        self.inflatedLength = header.inflatedLength
    }

    init(
        offset: Int64, length: Int, type: UInt16, firstSeq: UInt64, count: UInt32, checksum: UInt32,
        previousChecksum: UInt32, earliestTimeMicroseconds: Int64, latestTimeMicroseconds: Int64,
        inflatedLength: UInt32
    ) {
        self.offset = offset
        self.length = length
        self.type = type
        self.firstSeq = firstSeq
        self.count = count
        self.checksum = checksum
        self.previousChecksum = previousChecksum
        self.earliestTimeMicroseconds = earliestTimeMicroseconds
        self.latestTimeMicroseconds = latestTimeMicroseconds
        self.inflatedLength = inflatedLength
    }

    public var lastSeq: UInt64 { firstSeq &+ UInt64(count) &- 1 }
    public var end: Int64 { offset + Int64(length) }
    var holdsEvents: Bool { type == FormatV1.frameTypeEvents && count > 0 }
}
