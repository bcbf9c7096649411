extension Journal {
    /// Creates an empty journal in `directory` that starts after `base.seq` instead of at seq 1,
    /// and opens it for writing: the next event or shipped frame gets seq `base.seq + 1` and must
    /// link to `base.chainChecksum`. The base is recorded (Journal/FORMAT.md, "Based journals") so
    /// that reopening, verifying, reading and shipping all know where the journal starts; reading a
    /// seq at or before the base fails with an error that names it.
    ///
    /// A directory that already holds this same base and nothing else is opened as it is (a
    /// bootstrap interrupted after the record was written); one that holds segments is never
    /// re-based.
    ///
    /// - Throws: ``JournalError`` `.invalidArgument` if the directory already holds a journal (or a
    ///   different base), or for a base seq of 0; errors of ``open(directory:options:)``.
    public static func create(
        directory: String, basedOn base: JournalBase, options: JournalOptions = JournalOptions()
    ) throws -> Journal {
        try create(directory: directory, basedOn: base, options: options, fileSystem: POSIXFileSystem())
    }

    package static func create(
        directory: String, basedOn base: JournalBase, options: JournalOptions, fileSystem: any JournalFileSystem
    ) throws -> Journal {
        guard base.seq >= 1, base.epoch >= 1 else {
            throw JournalError(
                .invalidArgument, "a journal base needs a seq and an epoch of at least 1, not \(base.seq)/\(base.epoch)"
            )
        }
        try options.validate()
        try fileSystem.createDirectory(at: directory)
        let record = RetainedStart(
            journalID: base.journalID, firstSeq: base.seq + 1, previousChecksum: base.chainChecksum, epoch: base.epoch)
        do {
            let lock = try fileSystem.lockExclusively(at: joinPath(directory, "LOCK"))
            defer { lock.release() }
            let hasSegments = try fileSystem.contentsOfDirectory(at: directory).contains {
                $0.hasSuffix(SegmentName.fileExtension)
            }
            let existing = try RetainedStart.load(directory: directory, fileSystem: fileSystem)
            if hasSegments || (existing != nil && existing != record) {
                throw JournalError(
                    .invalidArgument,
                    "\(directory) already holds a journal; a journal is based only when it is created (empty)")
            }
            if existing == nil { try record.write(directory: directory, fileSystem: fileSystem) }
        }
        var options = options
        options.journalID = base.journalID
        return try open(directory: directory, options: options, fileSystem: fileSystem)
    }

    /// The base this journal was created on, if it was bootstrapped from a checkpoint and holds no
    /// frame yet, or where it starts after retention; `nil` for a journal that starts at seq 1.
    public var start: JournalStart? {
        (try? RetainedStart.load(directory: directory, fileSystem: fileSystem)).flatMap { $0 }.map(JournalStart.init)
    }
}

/// Where a journal's retained stretch begins when it is not at seq 1: recorded by retention or by
/// a based journal's creation (Journal/FORMAT.md, "Retention", "Based journals").
public struct JournalStart: Sendable, Hashable {
    /// The oldest seq the journal holds (or will hold, when it is still empty).
    public var firstSeq: UInt64
    /// The checksum of the frame that ends at `firstSeq − 1`.
    public var previousChecksum: UInt32
    /// The epoch at `firstSeq − 1`, when the record holds it (based journals).
    public var epoch: UInt64?

    init(_ record: RetainedStart) {
        firstSeq = record.firstSeq
        previousChecksum = record.previousChecksum
        epoch = record.epoch
    }
}
