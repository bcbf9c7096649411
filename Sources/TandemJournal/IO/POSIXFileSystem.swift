#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The real file system, through POSIX calls.
package struct POSIXFileSystem: JournalFileSystem {
    package init() {}

    package func openFile(at path: String, writable: Bool) throws -> any JournalFile {
        let fd = retryingOnInterrupt { open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC) }
        guard fd >= 0 else { throw JournalError.posix("open", path: path, errno: errno) }
        return POSIXFile(fd: fd, path: path)
    }

    package func createFile(at path: String) throws -> any JournalFile {
        let fd = retryingOnInterrupt { open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) }
        guard fd >= 0 else { throw JournalError.posix("create", path: path, errno: errno) }
        return POSIXFile(fd: fd, path: path)
    }

    package func contentsOfDirectory(at path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw JournalError.posix("opendir", path: path, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    package func createDirectory(at path: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw JournalError.posix("mkdir", path: prefix, errno: errno)
            }
            prefix += "/"
        }
    }

    package func fileExists(at path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    package func syncDirectory(at path: String) throws {
        let fd = retryingOnInterrupt { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard fd >= 0 else { throw JournalError.posix("open directory", path: path, errno: errno) }
        defer { Glibc.close(fd) }
        guard fsync(fd) == 0 else {
            var error = JournalError.posix("fsync", path: path, errno: errno)
            if error.code == .io { error.code = .syncFailed }
            throw error
        }
    }

    package func rename(from: String, to: String) throws {
        guard Glibc.rename(from, to) == 0 else { throw JournalError.posix("rename to \(to)", path: from, errno: errno) }
    }

    package func removeFile(at path: String) throws {
        guard unlink(path) == 0 else { throw JournalError.posix("unlink", path: path, errno: errno) }
    }

    package func lockExclusively(at path: String) throws -> any JournalLock {
        let fd = retryingOnInterrupt { open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644) }
        guard fd >= 0 else { throw JournalError.posix("open lock file", path: path, errno: errno) }
        // A child process forked (to exec a plug-in, a test's tool…) in the instant before a writer
        // closed its lock keeps the lock's open file description until it execs: a writer that has
        // just closed can look alive for a few milliseconds. Retry briefly before refusing.
        var attempts = 0
        while flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK && attempts < 50 {
            attempts += 1
            usleep(10_000)
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            var holder = [UInt8](repeating: 0, count: 32)
            let n = holder.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 32, 0) }
            Glibc.close(fd)
            if code == EWOULDBLOCK {
                let pid = n > 0 ? String(decoding: holder[0..<n], as: UTF8.self).trimmingNewlines : "unknown"
                throw JournalError(
                    .locked,
                    "the journal is already open for writing by another process (pid \(pid)); a journal has exactly one writer",
                    location: .init(segment: nil), cause: path)
            }
            throw JournalError.posix("flock", path: path, errno: code)
        }
        // Record who holds the lock so that the next contender's error can name it.
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return POSIXLock(fd: fd)
    }
}

final class POSIXFile: JournalFile, @unchecked Sendable {
    // Immutable after init; the descriptor is used by one owner at a time.
    let fd: Int32
    let path: String

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { close() }

    private var closed = false

    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws -> Int {
        let n = retryingOnInterrupt { pwrite(fd, bytes.baseAddress, bytes.count, off_t(offset)) }
        guard n > 0 else {
            throw JournalError.posix("write", path: path, errno: n == 0 ? ENOSPC : errno)
        }
        return n
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        let n = retryingOnInterrupt { pread(fd, buffer.baseAddress, buffer.count, off_t(offset)) }
        guard n >= 0 else { throw JournalError.posix("read", path: path, errno: errno) }
        return n
    }

    func sync() throws {
        guard fdatasync(fd) == 0 else {
            var error = JournalError.posix("fdatasync", path: path, errno: errno)
            if error.code == .io { error.code = .syncFailed }
            throw error
        }
    }

    func truncate(to size: Int64) throws {
        guard retryingOnInterrupt({ ftruncate(fd, off_t(size)) }) == 0 else {
            throw JournalError.posix("truncate", path: path, errno: errno)
        }
    }

    func size() throws -> Int64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw JournalError.posix("stat", path: path, errno: errno) }
        return Int64(info.st_size)
    }

    func close() {
        if !closed {
            closed = true
            Glibc.close(fd)
        }
    }
}

final class POSIXLock: JournalLock, @unchecked Sendable {
    private let fd: Int32
    private var released = false

    init(fd: Int32) { self.fd = fd }
    deinit { release() }

    func release() {
        if !released {
            released = true
            Glibc.close(fd)  // closing the descriptor releases the flock
        }
    }
}

@inline(__always)
private func retryingOnInterrupt<T: BinaryInteger>(_ call: () -> T) -> T {
    while true {
        let result = call()
        if result >= 0 || errno != EINTR { return result }
    }
}

extension String {
    var trimmingNewlines: String {
        var s = Substring(self)
        while let last = s.last, last == "\n" || last == "\r" || last == "\0" { s.removeLast() }
        return String(s)
    }
}
