import Logging

/// Brings a journal directory to a state the writer can continue from: refuses corruption,
/// and cuts a torn tail after keeping a copy of it.
enum JournalRecovery {
    /// What recovery did to the torn tail, if anything.
    struct Repair: Sendable, Hashable {
        var finding: JournalFinding
        /// Where the copy of the damaged segment was kept.
        var keptCopy: String
        /// Bytes cut from the end of the segment (the whole file if its header was torn).
        var bytesRemoved: Int64
    }

    /// Throws on corruption; repairs a torn tail when `repair` is true, else throws `.tornTail`.
    static func recover(
        directory: String, fileSystem: any JournalFileSystem, logger: Logger, repair: Bool = true,
        depth: JournalInventory.Depth = .open
    ) throws -> (JournalInventory, Repair?) {
        // Opening checks sealed segments' structure (from their indexes) and every byte of the
        // newest one; a deep check of everything is `verify`'s job (and the explicit repair's).
        let inventory = try JournalInventory.load(directory: directory, fileSystem: fileSystem, depth: depth)
        if let first = inventory.corruption.first {
            var error = first.error
            let count = inventory.corruption.count
            error.message += count > 1 ? " (and \(count - 1) more problems)" : ""
            error.message += "; the journal cannot be opened for writing; run 'tandem journal verify \(directory)'"
            throw error
        }
        try refreshIndexes(inventory, directory: directory, fileSystem: fileSystem, logger: logger)
        guard let torn = inventory.tornTail else { return (inventory, nil) }
        guard repair else { throw torn.error }
        guard let segment = inventory.segments.last, segment.name.fileName == torn.segment else {
            preconditionFailure("a torn tail is always in the last segment")
        }
        let done = try cut(segment, finding: torn, directory: directory, fileSystem: fileSystem)
        logger.warning(
            "recovered a torn tail: the last write before a crash was incomplete; nothing acknowledged was lost",
            metadata: [
                "segment": "\(torn.segment)", "offset": "\(torn.offset)", "seq": "\(torn.seq.map(String.init) ?? "-")",
                "bytesRemoved": "\(done.bytesRemoved)", "copy": "\(done.keptCopy)", "problem": "\(torn.message)",
            ])
        let after = try JournalInventory.load(directory: directory, fileSystem: fileSystem, depth: .open)
        precondition(after.findings.isEmpty, "recovery left findings: \(after.findings)")
        return (after, done)
    }

    /// Copies the damaged segment aside, then truncates it to its last good frame (or removes it
    /// if even its header is torn), syncing every step.
    private static func cut(
        _ segment: SegmentScanner.Result, finding: JournalFinding, directory: String, fileSystem: any JournalFileSystem
    ) throws -> Repair {
        let tornDirectory = joinPath(directory, "torn")
        try fileSystem.createDirectory(at: tornDirectory)
        let path = joinPath(directory, segment.name.fileName)
        var copyName = "\(segment.name.fileName).\(finding.offset).torn"
        var attempt = 1
        while fileSystem.fileExists(at: joinPath(tornDirectory, copyName)) {
            attempt += 1
            copyName = "\(segment.name.fileName).\(finding.offset).\(attempt).torn"
        }
        let copyPath = joinPath(tornDirectory, copyName)
        let source = try fileSystem.openFile(at: path, writable: true)
        defer { source.close() }
        let bytes = try source.readAll()
        let copy = try fileSystem.createFile(at: copyPath)
        do {
            defer { copy.close() }
            try copy.writeAll(bytes, at: 0)
            try copy.sync()
        }
        try fileSystem.syncDirectory(at: tornDirectory)
        try fileSystem.syncDirectory(at: directory)

        if segment.header == nil {
            try fileSystem.removeFile(at: path)
            let index = joinPath(directory, segment.name.indexFileName)
            if fileSystem.fileExists(at: index) { try fileSystem.removeFile(at: index) }
            try fileSystem.syncDirectory(at: directory)
            return Repair(finding: finding, keptCopy: copyPath, bytesRemoved: Int64(bytes.count))
        }
        try source.truncate(to: segment.validEnd)
        try source.sync()
        return Repair(finding: finding, keptCopy: copyPath, bytesRemoved: Int64(bytes.count) - segment.validEnd)
    }

    /// The newest segment is the one being written: it must have no index (a stale one could
    /// match it again once it grows back to the same size). Sealed segments that lacked a usable
    /// index get one, so the next open need not scan them.
    private static func refreshIndexes(
        _ inventory: JournalInventory, directory: String, fileSystem: any JournalFileSystem, logger: Logger
    ) throws {
        guard let last = inventory.segments.last else { return }
        let stale = joinPath(directory, last.name.indexFileName)
        if fileSystem.fileExists(at: stale) { try fileSystem.removeFile(at: stale) }
        for segment in inventory.segments.dropLast() where !segment.fromIndex && segment.damage == nil {
            guard let header = segment.header else { continue }
            do {
                try SegmentIndexFile.write(
                    segment, headerBytes: header.serialized(), directory: directory, fileSystem: fileSystem)
            } catch {
                logger.warning(
                    "could not rebuild a segment index; it will be rebuilt when needed",
                    metadata: ["segment": "\(segment.name)", "error": "\(error)"])
            }
        }
    }
}
