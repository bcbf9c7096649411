import Logging

/// The events a superseded active wrote after the switch point, moved out of its journal.
public struct DivergentTail: Sendable, Hashable {
    /// The last seq the journal keeps: the last one it shares with the active that superseded it.
    public var switchSeq: UInt64
    /// The last seq of the tail (the journal's last seq before the tail was moved).
    public var lastSeq: UInt64
    /// The folder holding copies of every segment that held part of the tail. It reads as a
    /// journal of its own (`JournalReader(directory:)`) from `switchSeq + 1` to `lastSeq`.
    public var folder: String
    /// The segment files copied there, in journal order.
    public var segments: [String]
    /// The epochs the tail was written under.
    public var epochs: [UInt64]

    /// The tail's seqs.
    public var seqs: ClosedRange<UInt64> { (switchSeq + 1)...lastSeq }
}

extension Journal {
    /// The folder, inside a journal directory, where divergent tails are kept (never deleted).
    public static let divergedFolderName = "diverged"

    /// Moves the events after `switchSeq` out of the closed journal in `directory`: copies every
    /// segment holding any of them into a new folder under `diverged/`, then cuts the journal back
    /// to the frame boundary at `switchSeq`, syncing every step. Nothing is ever deleted that
    /// has not first been copied and synced; a crash midway leaves a valid journal holding at
    /// least seqs 1…`switchSeq`, and running this again finishes the job.
    ///
    /// - Parameters:
    ///   - switchSeq: the last seq to keep; it must end a frame (shipping moves whole frames).
    ///   - expectedChecksum: the chain checksum the active's journal has for the frame ending at
    ///     `switchSeq`; if given and different, the journals disagree before the switch point and
    ///     nothing is touched.
    /// - Returns: what was moved, or `nil` if the journal holds nothing after `switchSeq`.
    /// - Throws: ``JournalError`` `.locked` if a process has the journal open, `.invalidArgument`
    ///   if `switchSeq` is inside a frame or before the oldest seq, `.mismatchedJournal` if the
    ///   checksums disagree, and any I/O or corruption error.
    public static func setAsideTail(
        directory: String, after switchSeq: UInt64, expectedChecksum: UInt32? = nil,
        logger: Logger = Logger(label: "tandem.journal")
    ) throws -> DivergentTail? {
        try setAsideTail(
            directory: directory, after: switchSeq, expectedChecksum: expectedChecksum, logger: logger,
            fileSystem: POSIXFileSystem())
    }

    package static func setAsideTail(
        directory: String, after switchSeq: UInt64, expectedChecksum: UInt32?, logger: Logger,
        fileSystem: any JournalFileSystem
    ) throws -> DivergentTail? {
        guard fileSystem.fileExists(at: directory) else {
            throw JournalError(.notFound, "journal directory \(directory) does not exist")
        }
        let lock: any JournalLock
        do {
            lock = try fileSystem.lockExclusively(at: joinPath(directory, "LOCK"))
        } catch let error as JournalError where error.code == .locked {
            throw JournalError(
                .locked,
                "cannot set the divergent tail of \(directory) aside while the journal is open: \(error.message); stop the server first",
                cause: error.cause)
        }
        defer { lock.release() }
        let (inventory, _) = try JournalRecovery.recover(directory: directory, fileSystem: fileSystem, logger: logger)
        let segments = inventory.segments.filter { $0.header != nil }
        guard let lastSeq = segments.last?.lastSeq, lastSeq > switchSeq else { return nil }
        let plan = try cutPlan(segments, switchSeq: switchSeq, directory: directory)
        if let expectedChecksum, plan.checksumAtSwitch != expectedChecksum {
            throw JournalError(
                .mismatchedJournal,
                "the journal in \(directory) and the active's disagree at seq \(switchSeq) (chain checksum \(hex(plan.checksumAtSwitch)), the active's \(hex(expectedChecksum))): they were not copies of one another up to the switch point; nothing was moved",
                location: .init(seq: switchSeq))
        }

        // 1. Copy every segment that holds part of the tail, durably.
        let moved = segments[plan.firstAffected...]
        let folder = try makeFolder(directory: directory, switchSeq: switchSeq, fileSystem: fileSystem)
        for segment in moved {
            let source = try fileSystem.openFile(at: joinPath(directory, segment.name.fileName), writable: false)
            defer { source.close() }
            let copy = try fileSystem.createFile(at: joinPath(folder, segment.name.fileName))
            defer { copy.close() }
            try copy.writeAll(try source.readAll(), at: 0)
            try copy.sync()
        }
        try fileSystem.syncDirectory(at: folder)
        try fileSystem.syncDirectory(at: joinPath(directory, divergedFolderName))
        try fileSystem.syncDirectory(at: directory)

        // 2. Remove whole segments newest first (what is left is always a valid prefix), then cut.
        for segment in moved.reversed() where segment.name.firstSeq > switchSeq {
            let index = joinPath(directory, segment.name.indexFileName)
            if fileSystem.fileExists(at: index) { try fileSystem.removeFile(at: index) }
            try fileSystem.removeFile(at: joinPath(directory, segment.name.fileName))
            try fileSystem.syncDirectory(at: directory)
        }
        if let cut = plan.cut {
            let index = joinPath(directory, cut.segment.indexFileName)
            if fileSystem.fileExists(at: index) { try fileSystem.removeFile(at: index) }
            let file = try fileSystem.openFile(at: joinPath(directory, cut.segment.fileName), writable: true)
            defer { file.close() }
            try file.truncate(to: cut.offset)
            try file.sync()
            try fileSystem.syncDirectory(at: directory)
        }
        let tail = DivergentTail(
            switchSeq: switchSeq, lastSeq: lastSeq, folder: folder, segments: moved.map(\.name.fileName),
            epochs: Array(Set(moved.compactMap { $0.header?.epoch })).sorted())
        logger.warning(
            "moved a divergent journal tail aside",
            metadata: [
                "directory": "\(directory)", "switchSeq": "\(switchSeq)", "lastSeq": "\(lastSeq)",
                "folder": "\(folder)",
            ])
        return tail
    }

    /// Which segments the tail touches and where the one holding `switchSeq` is cut.
    private static func cutPlan(
        _ segments: [SegmentScanner.Result], switchSeq: UInt64, directory: String
    ) throws -> (firstAffected: Int, cut: (segment: SegmentName, offset: Int64)?, checksumAtSwitch: UInt32) {
        let oldest = segments.first!.name.firstSeq
        guard switchSeq + 1 >= oldest else {
            throw JournalError(
                .invalidArgument,
                "the switch point seq \(switchSeq) is older than the oldest seq \(directory) holds (\(oldest)); it cannot be cut back that far"
            )
        }
        // The first segment holding an event after the switch point.
        let first = segments.firstIndex { ($0.lastSeq ?? 0) > switchSeq }!
        let segment = segments[first]
        guard segment.name.firstSeq <= switchSeq else {
            // The tail starts with a whole segment: nothing to cut inside one.
            return (first, nil, segment.header!.previousChecksum)
        }
        let events = segment.frames.filter { $0.count > 0 }
        guard events.contains(where: { $0.lastSeq == switchSeq }),
            let next = events.first(where: { $0.lastSeq > switchSeq }), next.firstSeq == switchSeq + 1
        else {
            let frame = events.first { $0.firstSeq <= switchSeq && $0.lastSeq > switchSeq }!
            throw JournalError(
                .invalidArgument,
                "the switch point seq \(switchSeq) is inside the frame holding seqs \(frame.firstSeq)–\(frame.lastSeq); a switch point is always at a frame boundary",
                location: .init(segment: segment.name.fileName, offset: frame.offset, seq: switchSeq))
        }
        return (first, (segment.name, next.offset), next.previousChecksum)
    }

    /// A new folder `diverged/after-SEQ` (or `after-SEQ.N` if that exists).
    private static func makeFolder(directory: String, switchSeq: UInt64, fileSystem: any JournalFileSystem) throws
        -> String
    {
        let parent = joinPath(directory, divergedFolderName)
        try fileSystem.createDirectory(at: parent)
        var name = "after-\(switchSeq)"
        var attempt = 1
        while fileSystem.fileExists(at: joinPath(parent, name)) {
            attempt += 1
            name = "after-\(switchSeq).\(attempt)"
        }
        let folder = joinPath(parent, name)
        try fileSystem.createDirectory(at: folder)
        return folder
    }
}
