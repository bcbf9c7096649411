import BenchmarkSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The reference point for single-event appends: the cheapest durable append there is,
/// one `pwrite` + `fdatasync` per event from a single loop, with no framing, checksum or
/// compression.
struct SyncWriteBaseline {
    /// What one pass measured.
    struct Result {
        var seconds: Double
        /// Per-event latencies in seconds, in order.
        var latencies: [Double]
    }

    /// The file written (created anew, appended to, then left for the caller to remove).
    let path: String

    /// Appends each payload and syncs it before the next. Blocking: call on a dedicated thread.
    func run(payloads: [[UInt8]]) throws -> Result {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BenchmarkFailure("open \(path): errno \(errno)") }
        defer { close(fd) }
        let clock = ContinuousClock()
        var latencies: [Double] = []
        latencies.reserveCapacity(payloads.count)
        var offset: off_t = 0
        let start = clock.now
        for payload in payloads {
            let before = clock.now
            let written = payload.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, offset) }
            guard written == payload.count else { throw BenchmarkFailure("pwrite \(path): errno \(errno)") }
            guard fdatasync(fd) == 0 else { throw BenchmarkFailure("fdatasync \(path): errno \(errno)") }
            offset += off_t(written)
            latencies.append((clock.now - before).seconds)
        }
        return Result(seconds: (clock.now - start).seconds, latencies: latencies)
    }
}
