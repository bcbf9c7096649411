import BenchmarkSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The baseline for shipping: a plain copy of the same journal bytes (every segment file, read
/// in 1 MiB chunks, written, `fdatasync`ed, then the directory `fsync`ed), as a file copy to a
/// standby would do it. Returns the seconds it took.
enum FileCopyBaseline {
    static func copy(segmentsIn source: String, to destination: String) throws -> Double {
        try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        let names = try FileManager.default.contentsOfDirectory(atPath: source).filter { $0.hasSuffix(".seg") }.sorted()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        let clock = ContinuousClock()
        let start = clock.now
        for name in names {
            let input = open(source + "/" + name, O_RDONLY)
            let output = open(destination + "/" + name, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard input >= 0, output >= 0 else { throw BenchmarkFailure("cannot open \(name) for the copy") }
            defer {
                close(input)
                close(output)
            }
            while true {
                let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
                guard count > 0 else { break }
                var written = 0
                while written < count {
                    let result = buffer.withUnsafeBytes { write(output, $0.baseAddress! + written, count - written) }
                    guard result > 0 else { throw BenchmarkFailure("write failed while copying \(name)") }
                    written += result
                }
            }
            guard fdatasync(output) == 0 else { throw BenchmarkFailure("fdatasync failed while copying \(name)") }
        }
        let directory = open(destination, O_RDONLY)
        fsync(directory)
        close(directory)
        return (clock.now - start).seconds
    }
}
