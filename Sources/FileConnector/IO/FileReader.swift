import ConnectorKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file opened for reading, and the version and permissions it had when it was opened. Reads go to the file
/// opened even if its path names another file meanwhile, so what an export copies and decodes is the version it
/// checked. Every call blocks: use it within ``BlockingIO``.
final class FileReader {
    let path: String
    let status: FileStorage.Status
    private let descriptor: Int32
    /// Bytes of the file read ahead for short ranges (see ``copy(_:to:)``), and where they start in the file.
    private var window: UnsafeMutableRawBufferPointer?
    private var windowRange = 0..<0

    /// How many bytes the file is read ahead for short ranges: many rows per read, few megabytes held.
    static var windowBytes: Int { 1 << 20 }

    /// Opens the regular file at `path`.
    init(_ path: String) throws(ConnectorError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileStorage.failure("cannot open", path) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let error = FileStorage.failure("cannot inspect", path)
            close(descriptor)
            throw error
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw ConnectorError(.invalidConfiguration, "\(path) is not a regular file")
        }
        self.path = path
        self.descriptor = descriptor
        self.status = FileStorage.Status(info)
    }

    deinit {
        window?.deallocate()
        close(descriptor)
    }

    /// The whole file, checked to be the version opened once it has been read.
    func readAll() throws(ConnectorError) -> [UInt8] {
        // Read straight into the array, one large read after another: a file of hundreds of megabytes is read
        // at the speed of the page cache, without a copy through a smaller buffer. One byte more than the size
        // is asked for, to notice a file that grows while it is read.
        let size = Int(status.version.size)
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: size + 1) { buffer, initialized in
            var total = 0
            while total < buffer.count {
                let count = read(descriptor, buffer.baseAddress! + total, min(buffer.count - total, 1 << 30))
                if count < 0 && errno == EINTR { continue }
                if count < 0 {
                    failed = true
                    break
                }
                if count == 0 { break }
                total += count
            }
            initialized = total
        }
        guard !failed else { throw FileStorage.failure("cannot read", path) }
        guard bytes.count == size else { throw changedWhileRead }
        try checkUnchanged()
        return bytes
    }

    /// Throws unless the file still has the version it had when it was opened: a file written in place while
    /// it was read would import partly, and a partial full import deletes.
    func checkUnchanged() throws(ConnectorError) {
        var after = stat()
        guard fstat(descriptor, &after) == 0, FileStorage.Version(after) == status.version else {
            throw changedWhileRead
        }
    }

    private var changedWhileRead: ConnectorError {
        ConnectorError(
            .transient,
            "\(path) changed while it was read; retry when it is complete (write it by renaming a new file)")
    }

    /// The bytes of `range`.
    func bytes(in range: Range<Int>) throws(ConnectorError) -> [UInt8] {
        var failure: ConnectorError?
        let bytes = [UInt8](unsafeUninitializedCapacity: range.count) { buffer, initialized in
            do throws(ConnectorError) {
                try fill(UnsafeMutableRawBufferPointer(buffer), from: range.lowerBound)
                initialized = range.count
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// Fills `buffer` with the bytes at `offset`.
    func fill(_ buffer: UnsafeMutableRawBufferPointer, from offset: Int) throws(ConnectorError) {
        var total = 0
        while total < buffer.count {
            let count = pread(descriptor, buffer.baseAddress! + total, buffer.count - total, off_t(offset + total))
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw FileStorage.failure("cannot read", path) }
            // The size was checked when the file was opened: it has been cut short in place since.
            guard count > 0 else { throw changedWhileRead }
            total += count
        }
    }

    /// Copies the bytes of `range` to `destination`. A range shorter than ``windowBytes`` is served from the bytes
    /// read ahead, which are refilled from its start when they do not hold it: short ranges in file order (the
    /// rows between changed ones) cost a few large reads, not one each. A longer range is read straight.
    func copy(_ range: Range<Int>, to destination: UnsafeMutableRawPointer) throws(ConnectorError) {
        guard range.count < Self.windowBytes else {
            try fill(UnsafeMutableRawBufferPointer(start: destination, count: range.count), from: range.lowerBound)
            return
        }
        if range.lowerBound < windowRange.lowerBound || range.upperBound > windowRange.upperBound {
            let window =
                self.window ?? UnsafeMutableRawBufferPointer.allocate(byteCount: Self.windowBytes, alignment: 8)
            self.window = window
            let count = max(range.count, min(Self.windowBytes, Int(status.version.size) - range.lowerBound))
            windowRange = 0..<0
            try fill(UnsafeMutableRawBufferPointer(rebasing: window[0..<count]), from: range.lowerBound)
            windowRange = range.lowerBound..<range.lowerBound + count
        }
        destination.copyMemory(
            from: window!.baseAddress! + (range.lowerBound - windowRange.lowerBound), byteCount: range.count)
    }
}
