import Testing

@testable import FileConnector

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The export's writer writes pieces on a thread of its own; the file must hold exactly the pieces, in order.
@Suite struct FileWriterTests {
    @Test func piecesAreWrittenInOrder() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("pieces.bin", "")
        let descriptor = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300_000 { bytes.append(UInt8.random(in: 0...255, using: &generator)) }
        let failure = bytes.withUnsafeBytes { buffer -> Int32? in
            let writer = FileWriter(descriptor: descriptor)
            var start = 0
            for size in [1, 0, 4_095, 65_536, 7, 100_000] {
                writer.write(UnsafeRawBufferPointer(rebasing: buffer[start..<start + size]))
                start += size
            }
            writer.write(UnsafeRawBufferPointer(rebasing: buffer[start...]))
            return writer.waitUntilWritten()
        }
        #expect(failure == nil)
        #expect(try FileStorage.load(path).bytes == bytes)
    }

    @Test func aFailedWriteIsReported() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("read-only.bin", "")
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        let failure = [UInt8](repeating: 1, count: 10).withUnsafeBytes { buffer -> Int32? in
            let writer = FileWriter(descriptor: descriptor)
            writer.write(buffer)
            writer.write(buffer)
            return writer.waitUntilWritten()
        }
        #expect(failure == EBADF)
    }
}
