import ConnectorKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a file whole and replaces it atomically, with POSIX calls. Every call blocks: run them with
/// ``BlockingIO``.
enum FileStorage {
    /// What identifies one version of a file, to notice that someone replaced or changed it meanwhile.
    struct Version: Hashable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modifiedSeconds: Int64
        var modifiedNanoseconds: Int64

        init(_ info: stat) {
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
            size = Int64(info.st_size)
            #if canImport(Darwin)
                modifiedSeconds = Int64(info.st_mtimespec.tv_sec)
                modifiedNanoseconds = Int64(info.st_mtimespec.tv_nsec)
            #else
                modifiedSeconds = Int64(info.st_mtim.tv_sec)
                modifiedNanoseconds = Int64(info.st_mtim.tv_nsec)
            #endif
        }
    }

    /// A version of a file, and the permissions and owner a replacement of it keeps.
    struct Status {
        var version: Version
        var mode: mode_t
        var owner: uid_t
        var group: gid_t

        init(_ info: stat) {
            version = Version(info)
            mode = info.st_mode & 0o7777
            owner = info.st_uid
            group = info.st_gid
        }
    }

    struct Contents {
        var bytes: [UInt8]
        var status: Status
        var version: Version { status.version }
    }

    /// The file's bytes and version.
    static func load(_ path: String) throws(ConnectorError) -> Contents {
        let file = try FileReader(path)
        return Contents(bytes: try file.readAll(), status: file.status)
    }

    /// The wall clock's seconds since 1970, to compare with files' modification times.
    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec)
    }

    /// The file's current version, or `nil` if it does not exist.
    static func version(_ path: String) throws(ConnectorError) -> Version? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw failure("cannot inspect", path)
        }
        return Version(info)
    }

    /// Replaces the file at `path` atomically with the bytes `produce` hands to its writer: a temporary file in the
    /// same directory is written (while `produce` runs, see ``FileWriter``), synced and renamed over it, then the
    /// directory is synced. Throws ``ConnectorError/Code/transient`` without replacing anything if the file is no
    /// longer `expected` (someone changed it meanwhile), and what `produce` throws without replacing anything
    /// either. Returns the version of the file written.
    @discardableResult
    static func replace(
        _ path: String, expected: Status, produce: (FileWriter) throws(ConnectorError) -> Void
    ) throws(ConnectorError) -> Version {
        let (directory, name) = split(path)
        let temporary = "\(directory)/.\(name).tandem-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, expected.mode)
        guard descriptor >= 0 else { throw failure("cannot create a temporary file beside", path) }
        var renamed = false
        var writtenVersion: Version?
        defer { if !renamed { unlink(temporary) } }
        do {
            defer { close(descriptor) }
            // Keep the original's permissions and, where allowed, its owner: the file may hold personal data.
            _ = fchmod(descriptor, expected.mode)
            _ = fchown(descriptor, expected.owner, expected.group)
            let writer = FileWriter(descriptor: descriptor)
            do throws(ConnectorError) {
                try produce(writer)
            } catch {
                // The descriptor is closed on the way out: nothing may still be writing to it.
                _ = writer.waitUntilWritten()
                throw error
            }
            if let number = writer.waitUntilWritten() {
                errno = number
                throw failure("cannot write a temporary file beside", path)
            }
            guard fsync(descriptor) == 0 else { throw failure("cannot sync a temporary file beside", path) }
            var info = stat()
            guard fstat(descriptor, &info) == 0 else { throw failure("cannot inspect a temporary file beside", path) }
            writtenVersion = Version(info)
        }
        guard try version(path) == expected.version else {
            throw ConnectorError(
                .transient, "\(path) changed while the export was prepared; nothing was written, retry the export")
        }
        guard rename(temporary, path) == 0 else { throw failure("cannot replace", path) }
        renamed = true
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryDescriptor >= 0 else { throw failure("cannot open the directory of", path) }
        defer { close(directoryDescriptor) }
        guard fsync(directoryDescriptor) == 0 else { throw failure("cannot sync the directory of", path) }
        return writtenVersion!
    }

    /// The path's directory (`.` if none) and file name.
    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }

    /// Checks the file can be read and, unless `readOnly`, its directory written.
    static func check(_ path: String, readOnly: Bool) throws(ConnectorError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("cannot open", path) }
        close(descriptor)
        if !readOnly && access(split(path).directory, W_OK) != 0 {
            throw failure("cannot write to the directory of", path)
        }
    }

    /// An error for the failed call that set `errno`: what failed, on what, why, and what to do.
    static func failure(_ action: String, _ path: String) -> ConnectorError {
        let number = errno
        let reason = String(cString: strerror(number))
        switch number {
        case ENOENT:
            return ConnectorError(
                .invalidConfiguration,
                "\(action) \(path): \(reason); create the file (an empty file is an empty system) or correct the path")
        case EACCES, EPERM:
            return ConnectorError(
                .authentication, "\(action) \(path): \(reason); give Tandem's user access or set readOnly: true")
        case ENOSPC, EDQUOT, EAGAIN, EBUSY:
            return ConnectorError(.transient, "\(action) \(path): \(reason)", systemCode: "errno \(number)")
        case ENOTDIR, EISDIR, EROFS:
            return ConnectorError(.invalidConfiguration, "\(action) \(path): \(reason)")
        default:
            return ConnectorError(.other, "\(action) \(path): \(reason)", systemCode: "errno \(number)")
        }
    }
}
