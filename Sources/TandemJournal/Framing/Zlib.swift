import CDeflate
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
/// so a small malicious frame cannot inflate without bound. Every payload Tandem inflates
/// declares its length, so whole-buffer libdeflate does the work: it reads the same zlib
/// streams (header, DEFLATE, Adler-32, all checked) about three times as fast as zlib's
/// streaming `inflate`, which matters most at start-up (a gigabyte of checkpoint at 1M people).
final class Inflater {
    private let decompressor: OpaquePointer

    init() {
        guard let decompressor = libdeflate_alloc_decompressor() else {
            preconditionFailure("libdeflate_alloc_decompressor failed: out of memory")
        }
        self.decompressor = decompressor
    }

    deinit {
        libdeflate_free_decompressor(decompressor)
    }

    enum Failure: Error {
        case malformed(String)
        case lengthMismatch(actual: Int?)
    }

    /// Inflates `input`, which must be exactly one zlib stream producing exactly `expectedLength` bytes.
    func decompress(_ input: UnsafeRawBufferPointer, expectedLength: Int) throws(Failure) -> [UInt8] {
        var failure: Failure?
        let output = [UInt8](unsafeUninitializedCapacity: expectedLength) { buffer, initialized in
            do throws(Failure) {
                try decompress(input, into: UnsafeMutableRawBufferPointer(buffer))
            } catch {
                failure = error
            }
            // Bytes are plain values: after a failure the array is thrown away unread.
            initialized = expectedLength
        }
        if let failure { throw failure }
        return output
    }

    /// Inflates `input`, which must be exactly one zlib stream producing exactly `output.count` bytes,
    /// into `output` (no array of its own, no zero-filling: a checkpoint's parts inflate in place).
    func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(Failure) {
        var consumed = 0
        var produced = 0
        // An empty buffer may have no address; libdeflate wants one even for zero bytes.
        var emptyInput: UInt8 = 0
        var emptyOutput: UInt8 = 0
        let result = withUnsafeMutablePointer(to: &emptyInput) { emptyIn in
            withUnsafeMutablePointer(to: &emptyOutput) { emptyOut in
                libdeflate_zlib_decompress_ex(
                    decompressor, input.baseAddress ?? UnsafeRawPointer(emptyIn), input.count,
                    output.baseAddress ?? UnsafeMutableRawPointer(emptyOut), output.count, &consumed, &produced)
            }
        }
        switch result {
        case LIBDEFLATE_SUCCESS:
            // The stream ended within the output: shorter than declared, or trailed by other bytes.
            guard produced == output.count else { throw .lengthMismatch(actual: produced) }
            guard consumed == input.count else {
                throw .malformed("\(input.count - consumed) bytes follow the end of the zlib stream")
            }
        case LIBDEFLATE_INSUFFICIENT_SPACE:
            // The output is full before the stream ends: it is longer than declared.
            throw .lengthMismatch(actual: nil)
        case LIBDEFLATE_BAD_DATA:
            throw .malformed("the zlib stream is invalid or truncated, or fails its Adler-32")
        default:
            throw .malformed("libdeflate status \(result.rawValue)")
        }
    }
}
