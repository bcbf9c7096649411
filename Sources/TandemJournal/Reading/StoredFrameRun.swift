/// What ``JournalFrameFollower/readStoredFrames(into:)`` copied into a caller's buffer: whole frames,
/// exactly as stored, back to back from the buffer's first byte; or, from
/// ``JournalFrameFollower/locateStoredFrames(maxBytes:)``, where such frames lie in a segment file.
public struct StoredFrameRun: Sendable, Hashable {
    /// Bytes of whole frames at the start of the buffer (0 if none was ready or none fitted).
    public var byteCount = 0
    /// How many frames those bytes hold.
    public var frameCount = 0
    /// The header of the first frame copied.
    public var firstHeader: FrameHeader?
    /// The header of the last frame copied.
    public var lastHeader: FrameHeader?
    /// When the next frame is larger than the buffer: its length, so the caller can offer a larger one.
    public var neededBytes: Int?
    /// For ``JournalFrameFollower/locateStoredFrames(maxBytes:)``: the segment file that holds the
    /// frames, and where in it they start.
    public var filePath: String?
    public var fileOffset: Int64 = 0

    public init() {}
}
