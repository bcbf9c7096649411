import Synchronization
import TandemJournal

/// The real file system, except that `fdatasync` fails once a chosen number of further syncs have
/// succeeded: a journal on it acknowledges appends until then and refuses every later one.
final class FailingJournalFileSystem: JournalFileSystem {
    private let base = POSIXFileSystem()
    /// Syncs still allowed to succeed; `nil`: all succeed.
    private let syncsLeft = Mutex<Int?>(nil)

    /// Lets `count` more syncs succeed, then fails every one after.
    func failSyncs(after count: Int) { syncsLeft.withLock { $0 = count } }

    /// Whether the next sync fails (and counts the one that succeeds).
    fileprivate func nextSyncFails() -> Bool {
        syncsLeft.withLock { left in
            guard let remaining = left else { return false }
            if remaining == 0 { return true }
            left = remaining - 1
            return false
        }
    }

    func openFile(at path: String, writable: Bool) throws -> any JournalFile {
        FailingFile(try base.openFile(at: path, writable: writable), fileSystem: self)
    }
    func createFile(at path: String) throws -> any JournalFile {
        FailingFile(try base.createFile(at: path), fileSystem: self)
    }
    func contentsOfDirectory(at path: String) throws -> [String] { try base.contentsOfDirectory(at: path) }
    func createDirectory(at path: String) throws { try base.createDirectory(at: path) }
    func fileExists(at path: String) -> Bool { base.fileExists(at: path) }
    func syncDirectory(at path: String) throws { try base.syncDirectory(at: path) }
    func rename(from: String, to: String) throws { try base.rename(from: from, to: to) }
    func removeFile(at path: String) throws { try base.removeFile(at: path) }
    func lockExclusively(at path: String) throws -> any JournalLock { try base.lockExclusively(at: path) }
}

/// A journal file whose `sync` fails when its file system says so.
private final class FailingFile: JournalFile {
    let file: any JournalFile
    let fileSystem: FailingJournalFileSystem

    var path: String { file.path }

    init(_ file: any JournalFile, fileSystem: FailingJournalFileSystem) {
        self.file = file
        self.fileSystem = fileSystem
    }

    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws -> Int {
        try file.write(bytes, at: offset)
    }
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        try file.read(into: buffer, at: offset)
    }
    func sync() throws {
        if fileSystem.nextSyncFails() { throw JournalError(.syncFailed, "fdatasync on \(path) failed (simulated)") }
        try file.sync()
    }
    func truncate(to size: Int64) throws { try file.truncate(to: size) }
    func size() throws -> Int64 { try file.size() }
    func close() { file.close() }
}
