/// The file operations the journal performs, behind a small interface so that tests can
/// inject faults (short writes, torn writes, failing syncs, a full disk).
///
/// Implementation requirements: each call either completes or throws a ``JournalError``
/// naming the path; `write` may write fewer bytes than asked (the caller loops), and
/// `sync` has `fdatasync` semantics.
package protocol JournalFileSystem: Sendable {
    /// Opens an existing file for reading, or for reading and writing.
    func openFile(at path: String, writable: Bool) throws -> any JournalFile
    /// Creates a new file; fails if it exists.
    func createFile(at path: String) throws -> any JournalFile
    /// Names of the entries in a directory.
    func contentsOfDirectory(at path: String) throws -> [String]
    func createDirectory(at path: String) throws
    func fileExists(at path: String) -> Bool
    /// `fsync`s a directory so that entries created or renamed in it survive a crash.
    func syncDirectory(at path: String) throws
    func rename(from: String, to: String) throws
    func removeFile(at path: String) throws
    /// Takes an exclusive, non-blocking advisory lock on `path` that lasts until the returned lock is released.
    func lockExclusively(at path: String) throws -> any JournalLock
}

/// An open file.
package protocol JournalFile: AnyObject, Sendable {
    var path: String { get }
    /// Writes some prefix of `bytes` at `offset`; returns how many bytes were written (> 0).
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws -> Int
    /// Reads up to `buffer.count` bytes at `offset`; returns 0 at end of file.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int
    /// Flushes written data to stable storage (`fdatasync`).
    func sync() throws
    func truncate(to size: Int64) throws
    func size() throws -> Int64
    func close()
}

/// An exclusive lock held on a file.
package protocol JournalLock: AnyObject, Sendable {
    func release()
}

extension JournalFile {
    /// Writes all of `bytes`, looping over short writes.
    package func writeAll(_ bytes: [UInt8], at offset: Int64) throws {
        try bytes.withUnsafeBytes { raw in try writeAll(raw, at: offset) }
    }

    /// Writes all of `raw`, looping over short writes.
    package func writeAll(_ raw: UnsafeRawBufferPointer, at offset: Int64) throws {
        var done = 0
        while done < raw.count {
            let n = try write(UnsafeRawBufferPointer(rebasing: raw[done...]), at: offset + Int64(done))
            precondition(n > 0 && n <= raw.count - done, "JournalFile.write returned \(n)")
            done += n
        }
    }

    /// Reads exactly `count` bytes at `offset`, or fewer at end of file.
    package func read(count: Int, at offset: Int64) throws -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        var filled = 0
        try result.withUnsafeMutableBytes { raw in
            while filled < count {
                let n = try read(
                    into: UnsafeMutableRawBufferPointer(rebasing: raw[filled...]), at: offset + Int64(filled))
                if n == 0 { break }
                filled += n
            }
        }
        result.removeLast(count - filled)
        return result
    }

    /// The whole file.
    package func readAll() throws -> [UInt8] {
        try read(count: Int(size()), at: 0)
    }
}

func joinPath(_ directory: String, _ name: String) -> String {
    directory.hasSuffix("/") ? directory + name : directory + "/" + name
}
