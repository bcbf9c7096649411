import Logging

import struct Foundation.UUID

/// Writes frames into segment files: appends, syncs, seals and rolls. Used only on the
/// writer thread; it holds no lock.
final class SegmentWriter {
    private struct OpenSegment {
        var file: any JournalFile
        var name: SegmentName
        var headerBytes: [UInt8]
        var size: Int64
        var frames: [FrameSummary]
        var rawEventBytes: Int64
    }

    let directory: String
    let fileSystem: any JournalFileSystem
    let options: JournalOptions
    let journalID: UUID
    private let encoder: FrameEncoder
    private var segment: OpenSegment?
    private(set) var epoch: UInt64
    private(set) var nextSeq: UInt64
    private(set) var lastChecksum: UInt32
    /// The latest event time of the last events frame written.
    private(set) var latestTimeMicroseconds: Int64?
    /// Whether frames were written to the current segment since its last `fdatasync`
    /// (shipped frames may be written ahead and synced once for several batches).
    private var unsynced = false

    /// Positions the writer after the last frame of a recovered journal.
    init(
        directory: String, fileSystem: any JournalFileSystem, options: JournalOptions, journalID: UUID,
        tail: SegmentScanner.Result?, epoch: UInt64, nextSeq: UInt64, lastChecksum: UInt32
    ) throws {
        self.directory = directory
        self.fileSystem = fileSystem
        self.options = options
        self.journalID = journalID
        self.encoder = try FrameEncoder(compressionLevel: options.compressionLevel)
        self.epoch = epoch
        self.nextSeq = nextSeq
        self.lastChecksum = lastChecksum
        if let tail, let header = tail.header {
            let file = try fileSystem.openFile(at: joinPath(directory, tail.name.fileName), writable: true)
            segment = OpenSegment(
                file: file, name: tail.name, headerBytes: header.serialized(), size: tail.validEnd,
                frames: tail.frames, rawEventBytes: tail.rawEventBytes)
        }
    }

    deinit { segment?.file.close() }

    private var rollRequested = false

    /// The next frame starts a new segment (if the current one holds any frame).
    func requestRoll() { rollRequested = segment != nil }

    /// Later frames go to a new segment under `epoch`.
    func beginEpoch(_ newEpoch: UInt64) throws {
        guard newEpoch > epoch else {
            throw JournalError(
                .invalidArgument, "epoch \(newEpoch) is not after the current epoch \(epoch); epochs only grow")
        }
        epoch = newEpoch
    }

    /// Frames, writes and syncs `batches` in order; returns the last seq of each batch.
    /// Nothing is acknowledged unless everything was written and synced.
    func commit(_ batches: [[JournalEvent]]) throws -> [UInt64] {
        var pending: [UInt8] = []
        var pendingSummaries: [FrameSummary] = []
        var pendingRaw: Int64 = 0
        var lastSeqs: [UInt64] = []
        var events: [JournalEvent] = []
        for batch in batches {
            events.append(contentsOf: batch)
            lastSeqs.append(nextSeq + UInt64(events.count) - 1)
        }

        var frames: [Range<Int>] = []
        var start = events.startIndex
        while start < events.endIndex {
            var end = start
            var bytes = 0
            while end < events.endIndex, end - start < options.maxFrameEvents,
                end == start || bytes + events[end].payload.count <= options.maxFrameBytes
            {
                bytes += events[end].payload.count
                end += 1
            }
            frames.append(start..<end)
            start = end
        }
        for payload in try payloads(of: frames, in: events) {
            let frame = FrameEncoder.frame(payload, epoch: epoch, firstSeq: nextSeq, previousChecksum: lastChecksum)
            try place(frame, &pending, &pendingSummaries, &pendingRaw)
        }
        try flush(&pending, &pendingSummaries, &pendingRaw)
        return lastSeqs
    }

    /// The frames' payloads, compressed on every core when there are several (a sync run appends megabytes of
    /// decisions at a time, and zlib is most of what appending them costs); the frames are then linked in order.
    private func payloads(of frames: [Range<Int>], in events: [JournalEvent]) throws -> [FramePayload] {
        guard frames.count > 1 else {
            return try frames.map { try FrameEncoder.payload(events[$0], deflater: encoder.deflater) }
        }
        let level = options.compressionLevel
        return try concurrentMap(frames.count) { index in
            try FrameEncoder.payload(events[frames[index]], deflater: Deflater(level: level))
        }
    }

    /// Appends a frame to the pending bytes, first flushing and rolling to a new segment when the
    /// frame's epoch, a requested roll or the segment size calls for one; advances seq and chain.
    private func place(
        _ frame: Frame, _ pending: inout [UInt8], _ summaries: inout [FrameSummary], _ raw: inout Int64
    ) throws {
        let needsNewSegment: Bool
        if let current = segment {
            let used = current.size + Int64(pending.count)
            needsNewSegment =
                (rollRequested && !current.frames.isEmpty) || current.name.epoch != epoch
                || (used > Int64(FormatV1.segmentHeaderLength)
                    && used + Int64(frame.bytes.count) > Int64(options.segmentSizeBytes))
        } else {
            needsNewSegment = true
        }
        if needsNewSegment {
            try flush(&pending, &summaries, &raw)
            try roll(firstSeq: nextSeq)
            rollRequested = false
        }
        let offset = segment!.size + Int64(pending.count)
        summaries.append(FrameSummary(offset: offset, header: frame.header))
        raw += Int64(frame.header.inflatedLength)
        pending.append(contentsOf: frame.bytes)
        nextSeq += UInt64(frame.header.count)
        lastChecksum = frame.header.checksum
        if frame.header.count > 0 { latestTimeMicroseconds = frame.header.latestTimeMicroseconds }
    }

    /// Writes and syncs frames shipped from another server, byte for byte, after checking that
    /// they continue this journal: each links to the previous frame's checksum, starts at the next
    /// seq, and has an epoch no lower than the current one (a higher epoch starts a new segment).
    /// Their own checksums were verified by the caller. Returns the last seq.
    ///
    /// With `sync: false` the frames are written but not yet `fdatasync`ed: they are durable only
    /// after a later ``syncShipped()`` (or a commit with `sync: true`) returns, and must not be
    /// acknowledged before.
    ///
    /// - Throws: ``JournalError`` `.rejectedFrame`, with nothing written, if a frame does not continue the journal.
    func commitShipped(_ runs: [ShippedRun], sync: Bool = true) throws -> UInt64 {
        var seq = nextSeq
        var previous = lastChecksum
        var frameEpoch = epoch
        for header in runs.lazy.flatMap(\.headers) {
            let location = JournalError.Location(seq: header.firstSeq)
            guard header.previousChecksum == previous else {
                throw JournalError(
                    .rejectedFrame,
                    "shipped frame's chain link \(hex(header.previousChecksum)) does not match this journal's last frame (\(hex(previous)))",
                    location: location)
            }
            guard header.firstSeq == seq else {
                throw JournalError(
                    .rejectedFrame, "shipped frame starts at seq \(header.firstSeq) where seq \(seq) was expected",
                    location: location)
            }
            guard header.epoch >= frameEpoch else {
                throw JournalError(
                    .rejectedFrame,
                    "shipped frame is of epoch \(header.epoch), older than this journal's epoch \(frameEpoch)",
                    location: location)
            }
            seq += UInt64(header.count)
            previous = header.checksum
            frameEpoch = header.epoch
        }
        // Written from the runs' own buffers: one write per run and segment, no copy into a buffer here.
        var pending = ShippedWrite()
        for (index, run) in runs.enumerated() {
            var start = 0
            for header in run.headers {
                if header.epoch != epoch {
                    try flush(&pending, runs)
                    epoch = header.epoch
                }
                let needsNewSegment: Bool
                if let current = segment {
                    let used = current.size + Int64(pending.byteCount)
                    needsNewSegment =
                        (rollRequested && !current.frames.isEmpty) || current.name.epoch != epoch
                        || (used > Int64(FormatV1.segmentHeaderLength)
                            && used + Int64(header.frameLength) > Int64(options.segmentSizeBytes))
                } else {
                    needsNewSegment = true
                }
                if needsNewSegment {
                    try flush(&pending, runs)
                    try roll(firstSeq: nextSeq)
                    rollRequested = false
                }
                pending.summaries.append(
                    FrameSummary(offset: segment!.size + Int64(pending.byteCount), header: header))
                pending.add(run: index, range: start..<start + header.frameLength)
                pending.rawEventBytes += Int64(header.inflatedLength)
                nextSeq += UInt64(header.count)
                lastChecksum = header.checksum
                if header.count > 0 { latestTimeMicroseconds = header.latestTimeMicroseconds }
                start += header.frameLength
            }
        }
        try flush(&pending, runs, sync: sync)
        return nextSeq - 1
    }

    /// Shipped frames placed in the current segment but not yet written: byte ranges of runs.
    private struct ShippedWrite {
        var pieces: [(run: Int, range: Range<Int>)] = []
        var byteCount = 0
        var summaries: [FrameSummary] = []
        var rawEventBytes: Int64 = 0

        mutating func add(run: Int, range: Range<Int>) {
            if let last = pieces.last, last.run == run, last.range.upperBound == range.lowerBound {
                pieces[pieces.count - 1].range = last.range.lowerBound..<range.upperBound
            } else {
                pieces.append((run, range))
            }
            byteCount += range.count
        }
    }

    /// Writes shipped frames placed in the current segment and, unless told not to, syncs everything written to it.
    private func flush(_ pending: inout ShippedWrite, _ runs: [ShippedRun], sync: Bool = true) throws {
        guard var current = segment else { return }
        if pending.byteCount > 0 {
            var offset = current.size
            for piece in pending.pieces {
                try runs[piece.run].bytes.withUnsafeBytes { raw in
                    try current.file.writeAll(UnsafeRawBufferPointer(rebasing: raw[piece.range]), at: offset)
                }
                offset += Int64(piece.range.count)
            }
            unsynced = true
            current.size = offset
            current.frames.append(contentsOf: pending.summaries)
            current.rawEventBytes += pending.rawEventBytes
            segment = current
            pending = ShippedWrite()
        }
        if sync && unsynced {
            try current.file.sync()
            unsynced = false
        }
    }

    /// Syncs shipped frames written ahead (``commitShipped(_:sync:)``); returns the last seq, now durable.
    func syncShipped() throws -> UInt64 {
        var pending = ShippedWrite()
        try flush(&pending, [])
        return nextSeq - 1
    }

    /// Writes the bytes for the current segment and, unless told not to, syncs everything written to it.
    private func flush(
        _ bytes: inout [UInt8], _ summaries: inout [FrameSummary], _ raw: inout Int64, sync: Bool = true
    ) throws {
        guard var current = segment else { return }
        if !bytes.isEmpty {
            try current.file.writeAll(bytes, at: current.size)
            unsynced = true
            current.size += Int64(bytes.count)
            current.frames.append(contentsOf: summaries)
            current.rawEventBytes += raw
            segment = current
            bytes.removeAll(keepingCapacity: true)
            summaries.removeAll(keepingCapacity: true)
            raw = 0
        }
        if sync && unsynced {
            try current.file.sync()
            unsynced = false
        }
    }

    /// Seals the current segment (writing its index) and creates the next one.
    private func roll(firstSeq: UInt64) throws {
        if let sealed = segment {
            sealIndex(sealed)
            sealed.file.close()
            segment = nil
        }
        let name = SegmentName(epoch: epoch, firstSeq: firstSeq)
        let header = SegmentHeader(
            journalID: journalID, epoch: epoch, firstSeq: firstSeq, previousLastSeq: firstSeq - 1,
            previousChecksum: lastChecksum)
        let headerBytes = header.serialized()
        let path = joinPath(directory, name.fileName)
        let file = try fileSystem.createFile(at: path)
        do {
            try file.writeAll(headerBytes, at: 0)
            try file.sync()
            try fileSystem.syncDirectory(at: directory)
        } catch {
            file.close()
            throw error
        }
        segment = OpenSegment(
            file: file, name: name, headerBytes: headerBytes, size: Int64(headerBytes.count), frames: [],
            rawEventBytes: 0)
        options.logger.debug("started segment", metadata: ["segment": "\(name)", "epoch": "\(epoch)"])
    }

    /// Writes the sealed segment's index. It is a cache: a failure is logged, never fatal.
    private func sealIndex(_ sealed: OpenSegment) {
        var scan = SegmentScanner.Result(name: sealed.name, fileSize: sealed.size, header: nil, validEnd: sealed.size)
        scan.frames = sealed.frames
        scan.rawEventBytes = sealed.rawEventBytes
        do {
            try SegmentIndexFile.write(
                scan, headerBytes: sealed.headerBytes, directory: directory, fileSystem: fileSystem)
        } catch {
            options.logger.warning(
                "could not write the segment index; it will be rebuilt when needed",
                metadata: ["segment": "\(sealed.name)", "error": "\(error)"])
        }
    }

    func close() {
        // Frames written ahead of a sync were never acknowledged; syncing them now only spares a
        // restart from fetching them again.
        if unsynced { try? segment?.file.sync() }
        segment?.file.close()
        segment = nil
    }
}
