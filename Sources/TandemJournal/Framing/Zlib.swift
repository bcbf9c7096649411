import CZlib

/// zlib's CRC-32 (the IEEE polynomial), continued from `seed`; folded with PCLMULQDQ where the
/// processor has it (the same value, see `tandem_crc32` in CZlib's shim).
@inline(__always)
func journalCRC32(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
    guard let base = bytes.baseAddress, bytes.count > 0 else { return seed }
    var crc = UInt(seed)
    var remaining = bytes.count
    var pointer = base.assumingMemoryBound(to: Bytef.self)
    while remaining > 0 {
        let chunk = min(remaining, Int(UInt32.max >> 1))
        crc = tandem_crc32(crc, pointer, chunk)
        pointer += chunk
        remaining -= chunk
    }
    return UInt32(truncatingIfNeeded: crc)
}

func journalCRC32(_ bytes: [UInt8], seed: UInt32 = 0) -> UInt32 {
    bytes.withUnsafeBytes { journalCRC32($0, seed: seed) }
}

/// A reusable zlib compressor producing one complete zlib stream per call.
///
/// Not thread-safe: each writer owns one.
final class Deflater {
    private var stream = z_stream()
    let level: Int32

    init(level: Int32) throws {
        self.level = level
        let status = tandem_deflate_init(&stream, level)
        guard status == Z_OK else {
            throw JournalError(
                .invalidArgument, "zlib refused compression level \(level)", cause: "zlib status \(status)")
        }
    }

    deinit {
        deflateEnd(&stream)
    }

    /// Compresses `input` into a new zlib stream.
    func compress(_ input: [UInt8]) throws -> [UInt8] {
        deflateReset(&stream)
        let bound = Int(deflateBound(&stream, uLong(input.count)))
        var output = [UInt8](repeating: 0, count: bound)
        let produced: Int = try input.withUnsafeBytes { inRaw in
            try output.withUnsafeMutableBytes { outRaw in
                stream.next_in = UnsafeMutablePointer(
                    mutating: inRaw.baseAddress?.assumingMemoryBound(to: Bytef.self))
                stream.avail_in = uInt(input.count)
                stream.next_out = outRaw.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(bound)
                let status = deflate(&stream, Z_FINISH)
                defer {
                    stream.next_in = nil
                    stream.next_out = nil
                }
                guard status == Z_STREAM_END else {
                    throw JournalError(.io, "zlib compression failed", cause: "zlib status \(status)")
                }
                return bound - Int(stream.avail_out)
            }
        }
        output.removeLast(bound - produced)
        return output
    }
}

/// A reusable zlib decompressor with a hard output cap.
///
/// The cap is the inflated length the frame header declares (itself capped by the format),
/// so a small malicious frame cannot inflate without bound.
final class Inflater {
    private var stream = z_stream()

    init() {
        let status = tandem_inflate_init(&stream)
        precondition(status == Z_OK, "inflateInit2 failed with \(status): out of memory")
    }

    deinit {
        inflateEnd(&stream)
    }

    enum Failure: Error {
        case malformed(String)
        case lengthMismatch(actual: Int?)
    }

    /// Inflates `input`, which must be exactly one zlib stream producing exactly `expectedLength` bytes.
    func decompress(_ input: UnsafeRawBufferPointer, expectedLength: Int) throws(Failure) -> [UInt8] {
        inflateReset(&stream)
        // One spare byte detects output longer than declared without inflating further.
        var output = [UInt8](repeating: 0, count: expectedLength + 1)
        let result: (status: Int32, produced: Int, consumed: Int) = output.withUnsafeMutableBytes { outRaw in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(input.count)
            stream.next_out = outRaw.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(outRaw.count)
            let status = inflate(&stream, Z_FINISH)
            let produced = outRaw.count - Int(stream.avail_out)
            let consumed = input.count - Int(stream.avail_in)
            stream.next_in = nil
            stream.next_out = nil
            return (status, produced, consumed)
        }
        switch result.status {
        case Z_STREAM_END:
            guard result.produced == expectedLength else {
                throw .lengthMismatch(actual: result.produced)
            }
            guard result.consumed == input.count else {
                throw .malformed("\(input.count - result.consumed) bytes follow the end of the zlib stream")
            }
            output.removeLast()
            return output
        case Z_BUF_ERROR, Z_OK:
            // Output space ran out (more than declared) or input ended early.
            if result.produced > expectedLength { throw .lengthMismatch(actual: nil) }
            throw .malformed("the zlib stream is truncated")
        case Z_DATA_ERROR:
            let reason = stream.msg.map { String(cString: $0) } ?? "invalid data"
            throw .malformed("zlib: \(reason)")
        default:
            throw .malformed("zlib status \(result.status)")
        }
    }

    /// Inflates `input`, which must be exactly one zlib stream producing exactly `output.count` bytes,
    /// into `output` (no array of its own, no zero-filling: a checkpoint's parts inflate in place).
    func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(Failure) {
        inflateReset(&stream)
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        stream.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = uInt(output.count)
        let status = inflate(&stream, Z_FINISH)
        let produced = output.count - Int(stream.avail_out)
        let consumed = input.count - Int(stream.avail_in)
        stream.next_in = nil
        stream.next_out = nil
        switch status {
        case Z_STREAM_END:
            // The stream ended within the output: shorter than declared, or trailed by other bytes.
            guard produced == output.count else { throw .lengthMismatch(actual: produced) }
            guard consumed == input.count else {
                throw .malformed("\(input.count - consumed) bytes follow the end of the zlib stream")
            }
        case Z_BUF_ERROR, Z_OK:
            // The output is full before the stream ends (it is longer than declared), or the input ended early.
            if produced == output.count { throw .lengthMismatch(actual: nil) }
            throw .malformed("the zlib stream is truncated")
        case Z_DATA_ERROR:
            let reason = stream.msg.map { String(cString: $0) } ?? "invalid data"
            throw .malformed("zlib: \(reason)")
        default:
            throw .malformed("zlib status \(status)")
        }
    }
}
