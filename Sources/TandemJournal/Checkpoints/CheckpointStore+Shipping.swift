/// Checkpoint files as opaque bytes, for shipping one to a staging server that bootstraps from it
/// (Journal/FORMAT.md, "Based journals"): the sender reads the file as stored, the receiver writes
/// it under a temporary name and installs it only once its length and checksum match what the
/// sender announced. Neither side interprets the bytes; reading the installed file checks them.
extension CheckpointStore {
    /// The crc32 of `bytes`, continued from `seed` (0 to start): the checksum a shipped checkpoint
    /// file is announced with.
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing seed: UInt32 = 0) -> UInt32 {
        journalCRC32(bytes, seed: seed)
    }

    /// The checkpoint file at `seq`, opened for reading as stored.
    public func openFile(seq: UInt64) throws -> CheckpointFileReader {
        try CheckpointFileReader(
            try fileSystem.openFile(at: joinPath(directory, Self.fileName(seq: seq)), writable: false))
    }

    /// Starts receiving the checkpoint file at `seq`: bytes go to a temporary file, which
    /// ``CheckpointFileReceiver/install(length:checksum:)`` checks, syncs and renames into place.
    public func receive(seq: UInt64) throws -> CheckpointFileReceiver {
        try fileSystem.createDirectory(at: directory)
        let name = Self.fileName(seq: seq)
        let temporary = joinPath(directory, "." + name + ".download")
        if fileSystem.fileExists(at: temporary) { try fileSystem.removeFile(at: temporary) }
        return CheckpointFileReceiver(
            file: try fileSystem.createFile(at: temporary), fileSystem: fileSystem, directory: directory,
            finalPath: joinPath(directory, name))
    }
}

/// Reads one checkpoint file in chunks, exactly as stored. Used by one task at a time.
public final class CheckpointFileReader: @unchecked Sendable {
    private let file: any JournalFile
    private var offset: Int64 = 0
    /// The file's length in bytes when it was opened.
    public let length: Int64

    init(_ file: any JournalFile) throws {
        self.file = file
        self.length = try file.size()
    }

    deinit { file.close() }

    /// The next at most `maxBytes` bytes; empty at the end.
    public func next(maxBytes: Int) throws -> [UInt8] {
        let count = Int(min(Int64(maxBytes), length - offset))
        guard count > 0 else { return [] }
        let bytes = try file.read(count: count, at: offset)
        offset += Int64(bytes.count)
        return bytes
    }
}

/// Writes a shipped checkpoint file under a temporary name; nothing is visible under a checkpoint
/// name until ``install(length:checksum:)`` has checked and synced it. Used by one task at a time.
public final class CheckpointFileReceiver: @unchecked Sendable {
    private let file: any JournalFile
    private let fileSystem: any JournalFileSystem
    private let directory: String
    private let finalPath: String
    private var closed = false
    /// Bytes received so far, and their crc32.
    public private(set) var length: Int64 = 0
    public private(set) var checksum: UInt32 = 0

    init(file: any JournalFile, fileSystem: any JournalFileSystem, directory: String, finalPath: String) {
        self.file = file
        self.fileSystem = fileSystem
        self.directory = directory
        self.finalPath = finalPath
    }

    deinit { abandon() }

    /// Appends received bytes.
    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            done += try file.write(UnsafeRawBufferPointer(rebasing: bytes[done...]), at: length + Int64(done))
        }
        checksum = journalCRC32(bytes, seed: checksum)
        length += Int64(bytes.count)
    }

    /// Checks the length and checksum announced by the sender, then syncs the file, renames it to
    /// its checkpoint name and syncs the directory.
    ///
    /// - Throws: ``JournalError`` `.corruption` (the temporary file removed) if what arrived differs.
    public func install(length expectedLength: Int64, checksum expectedChecksum: UInt32) throws {
        guard length == expectedLength, checksum == expectedChecksum else {
            abandon()
            throw JournalError(
                .corruption,
                "the checkpoint received is \(length) bytes with checksum \(hex(checksum)), but \(expectedLength) bytes with checksum \(hex(expectedChecksum)) were announced"
            )
        }
        try file.sync()
        file.close()
        closed = true
        try fileSystem.rename(from: file.path, to: finalPath)
        try fileSystem.syncDirectory(at: directory)
    }

    /// Closes and removes the temporary file (nothing was installed).
    public func abandon() {
        guard !closed else { return }
        closed = true
        file.close()
        try? fileSystem.removeFile(at: file.path)
    }
}
