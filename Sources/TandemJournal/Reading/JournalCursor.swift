/// Reads frames and events forward from a seq, across segments, checking the chain as it goes.
///
/// When it reaches the end of what is on disk it returns `nil`; call again later to see frames
/// appended since. Not thread-safe: one task uses a cursor at a time.
public final class JournalCursor {
    private let directory: String
    private let fileSystem: any JournalFileSystem
    private var segment: SegmentName?
    private var file: (any JournalFile)?
    private var readOffset: Int64 = 0
    private var decoder = FrameDecoder()
    private var decoderBase: Int64 = 0
    private var expectedSeq: UInt64
    private var expectedPrevious: UInt32?
    private let startSeq: UInt64
    private var heldFrame: Frame?
    private var pendingEvents: [StoredEvent] = []
    private var pendingIndex = 0
    private let inflater = Inflater()
    private let chunkBytes = 1 << 20
    /// A header problem found after the good frames of a run, thrown by the next ``readStoredFrames(into:through:)``.
    private var deferredFailure: (any Error)?

    init(
        directory: String, fileSystem: any JournalFileSystem, start: (SegmentName, Int64)?, seq: UInt64,
        previousChecksum: UInt32?
    ) {
        self.directory = directory
        self.fileSystem = fileSystem
        self.startSeq = seq
        self.expectedSeq = seq
        self.expectedPrevious = previousChecksum
        if let (name, offset) = start {
            segment = name
            readOffset = offset
            decoderBase = offset
        }
    }

    deinit { file?.close() }

    /// The next event with seq ≤ `limit` (all events if `nil`), or `nil` if none is on disk yet.
    public func nextEvent(through limit: UInt64? = nil) throws -> StoredEvent? {
        while true {
            if pendingIndex < pendingEvents.count {
                let event = pendingEvents[pendingIndex]
                if let limit, event.seq > limit { return nil }
                pendingIndex += 1
                return event
            }
            // Frames are committed whole, so a frame is read even if it ends past `limit`;
            // its later events stay pending until the limit allows them.
            guard let frame = try nextFrame() else { return nil }
            guard frame.header.type == FormatV1.frameTypeEvents else { continue }
            pendingEvents = try frame.events(using: inflater).filter { $0.seq >= startSeq }
            pendingIndex = 0
        }
    }

    /// The next frame whose events all have seq ≤ `limit`, exactly as stored, or `nil` if none is on disk yet.
    public func nextFrame(through limit: UInt64? = nil) throws -> Frame? {
        if let held = heldFrame {
            if let limit, held.header.lastSeq > limit { return nil }
            heldFrame = nil
            return held
        }
        guard let frame = try readFrame() else { return nil }
        if let limit, frame.header.count > 0, frame.header.lastSeq > limit {
            heldFrame = frame
            return nil
        }
        return frame
    }

    private func readFrame() throws -> Frame? {
        while true {
            let frameOffset = decoderBase + decoder.offset
            do {
                if let frame = try decoder.next() {
                    try check(frame, at: frameOffset)
                    return frame
                }
            } catch let error as FrameDecoder.DecodingError {
                throw JournalError(
                    .corruption, "\(error.description); run 'tandem journal verify \(directory)'",
                    location: .init(segment: segment?.fileName, offset: frameOffset, seq: expectedSeq))
            }
            if try readMore() { continue }
            if decoder.bufferedByteCount == 0, try advanceSegment() { continue }
            return nil
        }
    }

    private func check(_ frame: Frame, at offset: Int64) throws {
        try check(frame.header, at: offset)
    }

    private func check(_ header: FrameHeader, at offset: Int64) throws {
        let location = JournalError.Location(segment: segment?.fileName, offset: offset, seq: header.firstSeq)
        if let expected = expectedPrevious, header.previousChecksum != expected {
            throw JournalError(
                .corruption,
                "frame's chain link \(hex(header.previousChecksum)) does not match the previous frame (\(hex(expected)))",
                location: location)
        }
        if header.type == FormatV1.frameTypeEvents {
            let startsInFrame = header.firstSeq <= expectedSeq && expectedSeq <= header.lastSeq
            guard header.firstSeq == expectedSeq || (expectedSeq == startSeq && startsInFrame) else {
                throw JournalError(
                    .corruption, "frame starts at seq \(header.firstSeq) where seq \(expectedSeq) was expected",
                    location: location)
            }
            expectedSeq = header.lastSeq + 1
        }
        expectedPrevious = header.checksum
    }

    /// Reads the next chunk of the current segment into the decoder; false at its end.
    private func readMore() throws -> Bool {
        guard let segment else { return false }
        if file == nil {
            file = try fileSystem.openFile(at: joinPath(directory, segment.fileName), writable: false)
        }
        let size = try file!.size()
        guard readOffset < size else { return false }
        let chunk = try file!.read(count: Int(min(Int64(chunkBytes), size - readOffset)), at: readOffset)
        guard !chunk.isEmpty else { return false }
        readOffset += Int64(chunk.count)
        decoder.append(chunk)
        return true
    }

    /// Copies the next whole frames with every event's seq ≤ `limit` into `buffer`, exactly as stored
    /// and back to back, from the current segment: what the active server ships. Each frame's header
    /// is checked as ``nextFrame(through:)`` checks it (magic, length caps, chain link, seq), but its
    /// checksum is not computed: the receiver verifies every byte anyway (Journal/FORMAT.md,
    /// "Shipping"), and `tandem journal verify` and replays check it on this side.
    ///
    /// A cursor reads either this way or frame by frame, never both. When the next frame is larger
    /// than `buffer`, nothing is copied and the run's ``StoredFrameRun/neededBytes`` says how large
    /// a buffer it needs. A header problem after some good frames ends the run before it, and is
    /// thrown by the next call.
    func readStoredFrames(into buffer: UnsafeMutableRawBufferPointer, through limit: UInt64) throws
        -> StoredFrameRun
    {
        precondition(heldFrame == nil && decoder.bufferedByteCount == 0, "a cursor reads frame by frame or in runs")
        if let failure = deferredFailure {
            deferredFailure = nil
            throw failure
        }
        var run = StoredFrameRun()
        while true {
            guard segment != nil else {
                if try advanceSegment(readingRuns: true) { continue }
                return run
            }
            if file == nil {
                file = try fileSystem.openFile(at: joinPath(directory, segment!.fileName), writable: false)
            }
            let available = try file!.size() - readOffset
            if available <= 0 {
                if try advanceSegment(readingRuns: true) { continue }
                return run
            }
            let count = try fill(buffer, upTo: Int(min(Int64(buffer.count), available)))
            var position = 0
            let header = FormatV1.frameHeaderLength
            while position + header <= count {
                let offset = readOffset + Int64(position)
                let raw = UnsafeRawBufferPointer(rebasing: buffer[position..<position + header])
                do {
                    guard let parsed = FrameHeader.parse(raw) else {
                        throw JournalError(
                            .corruption, "no frame starts here (bad magic); run 'tandem journal verify \(directory)'",
                            location: .init(segment: segment?.fileName, offset: offset, seq: expectedSeq))
                    }
                    if let reason = FrameDecoder.lengthProblem(parsed) {
                        throw JournalError(
                            .corruption, "invalid frame header: \(reason); run 'tandem journal verify \(directory)'",
                            location: .init(segment: segment?.fileName, offset: offset, seq: expectedSeq))
                    }
                    if parsed.count > 0 && parsed.lastSeq > limit { break }
                    guard position + parsed.frameLength <= count else {
                        if position == 0 && parsed.frameLength > buffer.count { run.neededBytes = parsed.frameLength }
                        break
                    }
                    try check(parsed, at: offset)
                    if run.firstHeader == nil { run.firstHeader = parsed }
                    run.lastHeader = parsed
                    run.frameCount += 1
                    position += parsed.frameLength
                } catch {
                    guard position > 0 else { throw error }
                    deferredFailure = error
                    break
                }
            }
            readOffset += Int64(position)
            decoderBase = readOffset
            run.byteCount = position
            return run
        }
    }

    /// Finds the next whole frames with every event's seq ≤ `limit` in the current segment file, up
    /// to about `maxBytes` (at least one frame if any is ready), reading only their headers, and
    /// moves past them: for sending them straight from the file (`sendfile`). The headers are checked
    /// as ``readStoredFrames(into:through:)`` checks them; the run says where the frames lie
    /// (``StoredFrameRun/filePath``, ``StoredFrameRun/fileOffset``, ``StoredFrameRun/byteCount``).
    /// The file's bytes there never change afterwards: they are durable, and the writer only appends.
    func locateStoredFrames(maxBytes: Int, through limit: UInt64) throws -> StoredFrameRun {
        precondition(heldFrame == nil && decoder.bufferedByteCount == 0, "a cursor reads frame by frame or in runs")
        if let failure = deferredFailure {
            deferredFailure = nil
            throw failure
        }
        var run = StoredFrameRun()
        while true {
            guard segment != nil else {
                if try advanceSegment(readingRuns: true) { continue }
                return run
            }
            if file == nil {
                file = try fileSystem.openFile(at: joinPath(directory, segment!.fileName), writable: false)
            }
            let available = try file!.size() - readOffset
            if available <= 0 {
                if try advanceSegment(readingRuns: true) { continue }
                return run
            }
            let header = FormatV1.frameHeaderLength
            var position: Int64 = 0
            while position + Int64(header) <= available {
                let offset = readOffset + position
                do {
                    let bytes = try file!.read(count: header, at: offset)
                    guard let parsed = bytes.count == header ? bytes.withUnsafeBytes({ FrameHeader.parse($0) }) : nil
                    else {
                        throw JournalError(
                            .corruption, "no frame starts here (bad magic); run 'tandem journal verify \(directory)'",
                            location: .init(segment: segment?.fileName, offset: offset, seq: expectedSeq))
                    }
                    if let reason = FrameDecoder.lengthProblem(parsed) {
                        throw JournalError(
                            .corruption, "invalid frame header: \(reason); run 'tandem journal verify \(directory)'",
                            location: .init(segment: segment?.fileName, offset: offset, seq: expectedSeq))
                    }
                    if parsed.count > 0 && parsed.lastSeq > limit { break }
                    let length = Int64(parsed.frameLength)
                    guard position + length <= available else { break }
                    if position > 0 && position + length > Int64(maxBytes) { break }
                    try check(parsed, at: offset)
                    if run.firstHeader == nil { run.firstHeader = parsed }
                    run.lastHeader = parsed
                    run.frameCount += 1
                    position += length
                } catch {
                    guard position > 0 else { throw error }
                    deferredFailure = error
                    break
                }
            }
            run.filePath = file!.path
            run.fileOffset = readOffset
            readOffset += position
            decoderBase = readOffset
            run.byteCount = Int(position)
            return run
        }
    }

    /// Reads up to `count` bytes of the current segment at the read offset into `buffer`; returns how many.
    private func fill(_ buffer: UnsafeMutableRawBufferPointer, upTo count: Int) throws -> Int {
        var filled = 0
        while filled < count {
            let n = try file!.read(
                into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled..<count]), at: readOffset + Int64(filled))
            if n == 0 { break }
            filled += n
        }
        return filled
    }

    /// Moves to the segment that follows the current one, if the writer has started it.
    private func advanceSegment(readingRuns: Bool = false) throws -> Bool {
        let names = try fileSystem.contentsOfDirectory(at: directory).compactMap(SegmentName.init(fileName:)).sorted()
        let next: SegmentName?
        if let segment {
            next = names.first { $0 > segment }
        } else {
            next = names.first
        }
        guard let next else { return false }
        // The current segment was sealed before the next was created; make sure we read all of it.
        if readingRuns {
            if let file, try file.size() > readOffset { return true }
        } else if try readMore() {
            return true
        }
        let file = try fileSystem.openFile(at: joinPath(directory, next.fileName), writable: false)
        let headerBytes = try file.read(count: FormatV1.segmentHeaderLength, at: 0)
        let location = JournalError.Location(segment: next.fileName, offset: 0, seq: expectedSeq)
        guard case .success(let header) = SegmentHeader.parse(headerBytes) else {
            if headerBytes.count < FormatV1.segmentHeaderLength {
                file.close()
                return false  // the writer is creating it
            }
            file.close()
            throw JournalError(.corruption, "segment header is unreadable", location: location)
        }
        if header.firstSeq != expectedSeq && expectedPrevious != nil {
            file.close()
            throw JournalError(
                .corruption,
                "segment starts at seq \(header.firstSeq) where seq \(expectedSeq) was expected: a segment is missing",
                location: location)
        }
        if let expected = expectedPrevious, header.previousChecksum != expected {
            file.close()
            throw JournalError(
                .corruption, "segment's chain link does not match the previous segment", location: location)
        }
        self.file?.close()
        self.file = file
        self.segment = next
        readOffset = Int64(FormatV1.segmentHeaderLength)
        decoderBase = readOffset
        decoder = FrameDecoder()
        expectedPrevious = header.previousChecksum
        return true
    }
}
