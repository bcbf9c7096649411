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

    /// ``appendShipped(_:)`` for frames that a ``FrameDecoder`` returned: the decoder already
    /// checked each one's checksum and fields (as ``Frame/verify()`` does), so checking them again
    /// would only read every byte once more. The chain, seqs and epoch are still checked here.
    ///
    /// With `syncing: false` the frames are written but not `fdatasync`ed, and the seq returned is
    /// not yet durable (``lastSeq`` does not include it): a later ``syncShipped()`` makes everything
    /// written so far durable with one `fdatasync`. A staging server writes each piece of a
    /// catch-up as it arrives and syncs once per batch.
    @discardableResult
    package func appendShipped(decodedFrames frames: [Frame], syncing: Bool = true) async throws -> UInt64 {
        guard !frames.isEmpty else { return syncing ? try await syncShipped() : lastSeq }
        return try await writer.appendShipped(frames, sync: syncing)
    }

    /// ``appendShipped(decodedFrames:syncing:)`` for runs of frames that a ``ShippedRunDecoder``
    /// checked (checksums and fields): each run is written from its own buffer, as received. The
    /// chain, seqs and epoch are checked here, for every frame, before anything is written.
    @discardableResult
    package func appendShipped(runs: [ShippedRun], syncing: Bool = true) async throws -> UInt64 {
        guard runs.contains(where: { !$0.headers.isEmpty }) else {
            return syncing ? try await syncShipped() : lastSeq
        }
        return try await writer.appendShipped(runs: runs, sync: syncing)
    }

    /// Makes every shipped frame written so far durable; returns the last seq, now durable.
    @discardableResult
    package func syncShipped() async throws -> UInt64 {
        try await writer.appendShipped([], sync: true)
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
        let cursor = try cursor(atSegmentStarting: seq) ?? reader().cursor(from: seq)
        return JournalFrameFollower(cursor: cursor, watch: writer.commits, startSeq: seq)
    }

    /// A cursor at the first frame of the one segment whose first seq is `seq`, found by file name
    /// and segment header alone; `nil` if no single segment starts there. A new staging server ships
    /// from seq 1, and positioning a ``JournalReader`` would first scan the whole newest segment
    /// (up to its size cap) for frame offsets it does not need.
    private func cursor(atSegmentStarting seq: UInt64) throws -> JournalCursor? {
        let names = try fileSystem.contentsOfDirectory(at: directory).compactMap(SegmentName.init(fileName:))
        let starting = names.filter { $0.firstSeq == seq }
        guard starting.count == 1, let name = starting.first else { return nil }
        let file = try fileSystem.openFile(at: joinPath(directory, name.fileName), writable: false)
        defer { file.close() }
        guard
            case .success(let header) = SegmentHeader.parse(try file.read(count: FormatV1.segmentHeaderLength, at: 0)),
            header.journalID == journalID, header.firstSeq == seq
        else { return nil }
        return JournalCursor(
            directory: directory, fileSystem: fileSystem, start: (name, Int64(FormatV1.segmentHeaderLength)), seq: seq,
            previousChecksum: header.previousChecksum)
    }
}
