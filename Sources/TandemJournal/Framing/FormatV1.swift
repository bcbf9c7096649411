/// Constants of journal format version 1. Journal/FORMAT.md is the normative description;
/// a change here is a change of format and needs a new version number and new golden files.
public enum FormatV1 {
    /// The format version this build writes.
    public static let version: UInt16 = 1

    /// `TNDMSEG\0`: the first eight bytes of every segment file.
    static let segmentMagic: [UInt8] = [0x54, 0x4E, 0x44, 0x4D, 0x53, 0x45, 0x47, 0x00]
    static let segmentHeaderLength = 64

    /// `TFRM` read as a little-endian UInt32.
    static let frameMagic: UInt32 = 0x4D52_4654
    static let frameHeaderLength = 64

    /// No frame may store or inflate to more than this many bytes; a decoder rejects larger ones
    /// before allocating anything.
    public static let maxFramePayloadBytes = 64 << 20
    /// The largest single event payload the writer accepts.
    public static let maxEventPayloadBytes = 16 << 20

    /// Frame type of a batch of events.
    public static let frameTypeEvents: UInt16 = 1
    /// Bit 15 of the frame type: a reader that does not know the type skips the frame.
    public static let frameTypeIgnorableBit: UInt16 = 0x8000

    /// Payload codecs.
    public enum Codec: UInt8, Sendable {
        case stored = 0
        case zlib = 1
    }
}
