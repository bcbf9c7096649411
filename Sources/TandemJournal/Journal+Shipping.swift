extension Journal {
    /// Appends frames shipped from another server's journal, byte for byte, and returns the last
    /// seq once they are durable. This is how a staging server keeps an exact copy of its primary's
    /// journal: the frames' bytes, checksums and chain are the primary's own, so either copy can be
    /// verified against the other and promoted without re-encoding anything.
    ///
    /// Every frame is checked before anything is written: its checksum and fields
    /// (``Frame/verify()``), its chain link to this journal's last frame, its first seq (the seq
    /// after this journal's last), and its epoch (never lower than the current one; a higher epoch
    /// starts a new segment). Segment boundaries are this journal's own. The caller checks that the
    /// frames come from a journal with this journal's UUID (see `Journal/FORMAT.md`, "Shipping").
    ///
    /// - Throws: ``JournalError`` `.rejectedFrame` if a frame fails a check; then nothing of the batch
    ///   was written and the journal accepts the right frames afterwards. Other errors stop the writer
    ///   as for ``append(_:)``.
    @discardableResult
    public func appendShipped(_ frames: [Frame]) async throws -> UInt64 {
        guard !frames.isEmpty else { return lastSeq }
        for frame in frames { try frame.verify() }
        return try await writer.appendShipped(frames)
    }

    /// Follows this journal frame by frame, exactly as stored, from the frame that starts at `seq`:
    /// for shipping to staging servers. Only durable (synced) frames are returned.
    ///
    /// - Throws: ``JournalError`` `.notFound` if `seq` is older than the oldest seq held or past
    ///   the next one, `.invalidArgument` if `seq` falls inside a frame (shipping resumes at frame boundaries).
    public func frameFollower(from seq: UInt64) throws -> JournalFrameFollower {
        let committed = lastSeq
        guard seq <= committed + 1 else {
            throw JournalError(.notFound, "seq \(seq) is beyond the end of the journal (last seq \(committed))")
        }
        let cursor = try reader().cursor(from: seq)
        return JournalFrameFollower(cursor: cursor, watch: writer.commits, startSeq: seq)
    }
}
