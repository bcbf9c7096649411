/// Reads a journal's frames exactly as stored, from a seq, waiting for new ones as they become
/// durable: what the active server ships to its staging servers. One task uses a follower at a time.
public final class JournalFrameFollower {
    private let cursor: JournalCursor
    private let watch: CommitWatch
    private var expectedSeq: UInt64
    private var checkedStart = false
    /// The committed seq that bounded the last ``readStoredFrames(into:)``.
    private var readThrough: UInt64 = 0

    init(cursor: JournalCursor, watch: CommitWatch, startSeq: UInt64) {
        self.cursor = cursor
        self.watch = watch
        self.expectedSeq = startSeq
    }

    /// The durable frames available now, in order, up to about `maxBytes` (at least one frame if any
    /// is available); waits up to `timeout` for one if none is. Empty after the timeout.
    ///
    /// - Throws: ``JournalError`` `.writerClosed` once the journal is closed and every durable frame
    ///   was returned; `.invalidArgument` if the start seq falls inside a frame; `.corruption` from the reader.
    public func nextFrames(maxBytes: Int, waitingAtMost timeout: Duration) async throws -> [Frame] {
        var frames = try available(maxBytes: maxBytes)
        if !frames.isEmpty { return frames }
        let seen = watch.committedSeq
        let closed = await withTaskGroup(of: Bool.self) { group in
            group.addTask { [watch] in
                let committed = await watch.wait(after: seen)
                return committed <= seen && !Task.isCancelled
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        frames = try available(maxBytes: maxBytes)
        if frames.isEmpty && closed { throw JournalError(.writerClosed, "the journal is closed") }
        return frames
    }

    /// Copies the durable frames available now into `buffer`, whole and exactly as stored, back to back
    /// (as many as fit), without waiting: what the active server writes to a journal stream. Frame headers
    /// are checked (magic, lengths, chain, seqs) but not checksums, which the receiver verifies (Journal/FORMAT.md,
    /// "Shipping"). A follower is read either this way or with ``nextFrames(maxBytes:waitingAtMost:)``, never both.
    ///
    /// - Throws: ``JournalError`` `.invalidArgument` if the start seq falls inside a frame; `.corruption`
    ///   if a header on disk is damaged.
    public func readStoredFrames(into buffer: UnsafeMutableRawBufferPointer) throws -> StoredFrameRun {
        let limit = watch.committedSeq
        readThrough = limit
        let run = try cursor.readStoredFrames(into: buffer, through: limit)
        try checkStart(run)
        return run
    }

    /// ``readStoredFrames(into:)`` without the copy: where the durable frames available now lie in
    /// their segment file (``StoredFrameRun/filePath``, ``StoredFrameRun/fileOffset``,
    /// ``StoredFrameRun/byteCount``, all in one file), up to about `maxBytes` (at least one frame if
    /// any is available), with only their headers read and checked. For sending them with `sendfile`.
    /// A follower is read in one of these ways only.
    public func locateStoredFrames(maxBytes: Int) throws -> StoredFrameRun {
        let limit = watch.committedSeq
        readThrough = limit
        let run = try cursor.locateStoredFrames(maxBytes: maxBytes, through: limit)
        try checkStart(run)
        return run
    }

    private func checkStart(_ run: StoredFrameRun) throws {
        if !checkedStart, let first = run.firstHeader {
            checkedStart = true
            if first.count > 0 && first.firstSeq != expectedSeq {
                throw JournalError(
                    .invalidArgument,
                    "seq \(expectedSeq) is inside the frame that starts at seq \(first.firstSeq); ship from a frame's first seq"
                )
            }
        }
    }

    /// Waits up to `timeout` for frames to become durable after those the last
    /// ``readStoredFrames(into:)`` could see; returns at once if some already have. Returns `false`
    /// if the journal is closed (no more frames will come), `true` otherwise.
    public func waitForFrames(waitingAtMost timeout: Duration) async -> Bool {
        let seen = readThrough
        if watch.committedSeq > seen { return true }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { [watch] in
                let committed = await watch.wait(after: seen)
                return committed > seen || Task.isCancelled
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return true
            }
            let open = await group.next() ?? true
            group.cancelAll()
            return open
        }
    }

    private func available(maxBytes: Int) throws -> [Frame] {
        var frames: [Frame] = []
        var bytes = 0
        let limit = watch.committedSeq
        while bytes < maxBytes, let frame = try cursor.nextFrame(through: limit) {
            if !checkedStart {
                checkedStart = true
                if frame.header.count > 0 && frame.header.firstSeq != expectedSeq {
                    throw JournalError(
                        .invalidArgument,
                        "seq \(expectedSeq) is inside the frame that starts at seq \(frame.header.firstSeq); ship from a frame's first seq"
                    )
                }
            }
            bytes += frame.bytes.count
            frames.append(frame)
        }
        return frames
    }
}
