/// Reads a journal's frames exactly as stored, from a seq, waiting for new ones as they become
/// durable: what the active server ships to its staging servers. One task uses a follower at a time.
public final class JournalFrameFollower {
    private let cursor: JournalCursor
    private let watch: CommitWatch
    private var expectedSeq: UInt64
    private var checkedStart = false

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
