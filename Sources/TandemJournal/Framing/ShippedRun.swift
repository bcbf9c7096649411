import Synchronization

/// Whole frames received from a primary, checked, and kept back to back in one buffer exactly as
/// they arrived: what a staging server appends to its journal with one write, without splitting
/// them into a ``Frame`` each.
package struct ShippedRun: Sendable {
    /// The frames' bytes, back to back.
    package let bytes: [UInt8]
    /// Each frame's header, in order; their lengths add up to `bytes.count`.
    package let headers: [FrameHeader]

    package init(bytes: [UInt8], headers: [FrameHeader]) {
        precondition(headers.reduce(0) { $0 + $1.frameLength } == bytes.count, "a run holds whole frames")
        self.bytes = bytes
        self.headers = headers
    }

    /// The run cut into runs of at most about `maxBytes` (at least one frame each), each copied: for
    /// a test's small batches only.
    package func split(maxBytes: Int) -> [ShippedRun] {
        var runs: [ShippedRun] = []
        var start = 0
        var first = 0
        var bytes = 0
        for (index, header) in headers.enumerated() {
            if bytes > 0 && bytes + header.frameLength > maxBytes {
                runs.append(
                    ShippedRun(bytes: Array(self.bytes[start..<start + bytes]), headers: Array(headers[first..<index])))
                start += bytes
                first = index
                bytes = 0
            }
            bytes += header.frameLength
        }
        if bytes > 0 {
            runs.append(ShippedRun(bytes: Array(self.bytes[start..<start + bytes]), headers: Array(headers[first...])))
        }
        return runs
    }

    /// The frames one at a time (each copied out of the run): for applying their events.
    package func frames() -> [Frame] {
        var frames: [Frame] = []
        frames.reserveCapacity(headers.count)
        var start = 0
        for header in headers {
            frames.append(Frame(header: header, bytes: Array(bytes[start..<start + header.frameLength])))
            start += header.frameLength
        }
        return frames
    }
}

/// Buffers of runs already written, kept for the next runs to be received into: a run's buffer is
/// a megabyte or more, and a fresh one costs a page fault (and a zeroed page) per 4 KiB as it fills,
/// about a twentieth of a catch-up's CPU. A buffer is reused only once nothing else holds it.
package final class ShippedRunBuffers: Sendable {
    private let spares = Mutex<[[UInt8]]>([])
    private let limit: Int

    /// - Parameter limit: how many buffers to keep at most.
    package init(keeping limit: Int = 4) { self.limit = limit }

    /// Keeps the buffers of runs that have been written.
    package func recycle(_ runs: [ShippedRun]) {
        spares.withLock { spares in
            for run in runs where spares.count < limit && run.bytes.capacity > 0 { spares.append(run.bytes) }
        }
    }

    /// A kept buffer, if any.
    package func take() -> [UInt8]? {
        spares.withLock { $0.popLast() }
    }
}

/// Splits a shipped byte stream into runs of whole frames, checking each frame where it lies in
/// the receive buffer: its magic and length caps as soon as its header is in, then its CRC-32 (zlib)
/// and fields once it is complete (the checks of ``FrameDecoder``, which copies out every frame).
/// Bytes are copied once, from the network's buffers into the run; a frame split across network
/// chunks simply completes in the next one.
package struct ShippedRunDecoder: Sendable {
    private var buffer: [UInt8] = []
    /// Bytes at the start of `buffer` that are checked whole frames.
    private var checkedEnd = 0
    private var headers: [FrameHeader] = []
    /// Offset in the stream of `buffer`'s first byte.
    private var bufferOffset: Int64 = 0
    /// The size of the largest piece appended so far, to size the next buffer.
    private var largestPiece = 0
    private var failure: FrameDecoder.DecodingError?

    /// - Parameter capacity: bytes to reserve for the first run, so that appending never reallocates.
    package init(reservingCapacity capacity: Int = 0) {
        buffer.reserveCapacity(capacity)
    }

    /// Bytes received but not yet in a run (checked or not).
    package var bufferedByteCount: Int { buffer.count }
    /// Bytes of checked whole frames ready to be taken.
    package var checkedByteCount: Int { checkedEnd }
    /// The header of the last checked frame not yet taken.
    package var lastCheckedHeader: FrameHeader? { headers.last }
    /// Whether a frame was rejected (``takeRun(reservingForNext:)`` reports it).
    package var hasRejection: Bool { failure != nil }

    /// Adds received bytes and checks every frame they complete. After a frame is rejected, later
    /// bytes are ignored: the rejection is reported by ``takeRun()`` after the good frames before it.
    package mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil, !bytes.isEmpty else { return }
        largestPiece = max(largestPiece, bytes.count)
        buffer.append(contentsOf: bytes)
        checkFrames()
    }

    /// The checked frames received so far as one run (`nil` if none), and the rejection that stopped
    /// checking, if a frame was rejected (its offset counts from the stream's first byte).
    ///
    /// - Parameters:
    ///   - reserve: bytes to reserve for the next run beyond the frame in progress and one more piece.
    ///   - spare: called only if a run is taken: a buffer of an earlier run, no longer needed, to
    ///     receive the next run into (its pages are already mapped, so filling it faults none in;
    ///     see ``ShippedRunBuffers``), or `nil` for a new one.
    package mutating func takeRun(reservingForNext reserve: Int = 0, into spare: () -> [UInt8]? = { nil })
        -> (run: ShippedRun?, rejection: FrameDecoder.DecodingError?)
    {
        guard checkedEnd > 0 else { return (nil, failure) }
        var next = spare() ?? []
        next.removeAll(keepingCapacity: true)
        next.reserveCapacity(buffer.count - checkedEnd + max(largestPiece, 1 << 16) + reserve)
        next.append(contentsOf: buffer[checkedEnd...])
        buffer.removeLast(buffer.count - checkedEnd)
        let run = ShippedRun(bytes: buffer, headers: headers)
        bufferOffset += Int64(checkedEnd)
        buffer = next
        checkedEnd = 0
        headers = []
        return (run, failure)
    }

    private mutating func checkFrames() {
        let headerLength = FormatV1.frameHeaderLength
        var checkedEnd = self.checkedEnd
        var headers = self.headers
        defer {
            self.checkedEnd = checkedEnd
            self.headers = headers
        }
        let bufferOffset = self.bufferOffset
        let problem = buffer.withUnsafeBytes { raw -> FrameDecoder.DecodingError? in
            while true {
                let available = raw.count - checkedEnd
                let offset = bufferOffset + Int64(checkedEnd)
                if available == 0 { return nil }
                let magic = min(available, 4)
                if !FrameDecoder.magicMatches(UnsafeRawBufferPointer(rebasing: raw[checkedEnd..<checkedEnd + magic])) {
                    return FrameDecoder.DecodingError(offset: offset, problem: .badMagic)
                }
                guard available >= headerLength else { return nil }
                let headerBytes = UnsafeRawBufferPointer(rebasing: raw[checkedEnd..<checkedEnd + headerLength])
                let header = FrameHeader.parse(headerBytes)!
                if let reason = FrameDecoder.lengthProblem(header) {
                    return FrameDecoder.DecodingError(
                        offset: offset, problem: .invalidHeader(reason), claimedSeq: header.firstSeq)
                }
                guard available >= header.frameLength else { return nil }
                let payload = UnsafeRawBufferPointer(
                    rebasing: raw[checkedEnd + headerLength..<checkedEnd + header.frameLength])
                if let problem = FrameDecoder.problem(header, headerBytes: headerBytes, payload: payload) {
                    return FrameDecoder.DecodingError(offset: offset, problem: problem, claimedSeq: header.firstSeq)
                }
                headers.append(header)
                checkedEnd += header.frameLength
            }
        }
        if let problem {
            failure = problem
            buffer.removeLast(buffer.count - checkedEnd)
        }
    }
}
