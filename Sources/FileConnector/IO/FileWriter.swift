import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a file's bytes on a thread of its own while the caller is still producing the rest, and starts the
/// disk's write-back of each piece as soon as it is written, so that the `fsync` at the end waits only for the
/// last pieces instead of the whole file. Producing, copying into the page cache and the disk's work overlap;
/// the bytes and their order are exactly those given.
final class FileWriter: Sendable {
    private let descriptor: Int32
    private let queue = DispatchQueue(label: "tandem.file-writer")
    /// Where the next piece goes (only the queue's thread moves it), and the `errno` of the first failure.
    private let progress = Mutex<(offset: Int, failure: Int32?)>((0, nil))

    /// Writes into `descriptor`, an open file positioned at its start.
    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// Queues `bytes`, which follow the pieces queued before. The caller keeps them valid and unchanged until
    /// ``waitUntilWritten()`` returns.
    func write(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        // The caller guarantees the bytes outlive the queued work (it waits for it before letting them go) and
        // nothing writes them meanwhile, so the queue's thread may read them.
        nonisolated(unsafe) let piece = bytes
        let descriptor = self.descriptor
        queue.async { [self] in
            let start = progress.withLock { $0.failure == nil ? $0.offset : nil }
            guard let start else { return }
            var written = 0
            while written < piece.count {
                let result = pwrite(
                    descriptor, piece.baseAddress! + written, piece.count - written, off_t(start + written))
                if result < 0 && errno == EINTR { continue }
                guard result > 0 else {
                    let number = result < 0 ? errno : ENOSPC
                    progress.withLock { $0.failure = number }
                    return
                }
                written += result
            }
            Self.startWriteBack(descriptor, offset: start, count: piece.count)
            progress.withLock { $0.offset = start + piece.count }
        }
    }

    /// Waits until every queued piece is written (into the page cache; `fsync` makes them durable). Returns the
    /// `errno` of the first write that failed, or `nil`.
    func waitUntilWritten() -> Int32? {
        queue.sync {}
        return progress.withLock { $0.failure }
    }

    /// Asks the kernel to start writing `count` bytes at `offset` to the disk now, without waiting
    /// (`sync_file_range` with `SYNC_FILE_RANGE_WRITE`, on Linux): a hint; `fsync` still makes them durable.
    private static func startWriteBack(_ descriptor: Int32, offset: Int, count: Int) {
        guard let syncFileRange = syncFileRange else { return }
        _ = syncFileRange(descriptor, Int64(offset), Int64(count), 2)  // SYNC_FILE_RANGE_WRITE
    }

    /// Glibc's `sync_file_range`, which Swift's Glibc module does not import (it is a GNU extension).
    private static let syncFileRange: (@Sendable @convention(c) (Int32, Int64, Int64, UInt32) -> Int32)? = {
        #if os(Linux)
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sync_file_range") else { return nil }
            return unsafeBitCast(
                symbol, to: (@Sendable @convention(c) (Int32, Int64, Int64, UInt32) -> Int32).self)
        #else
            return nil
        #endif
    }()
}
