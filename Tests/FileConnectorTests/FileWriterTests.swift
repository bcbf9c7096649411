import ConnectorKit
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

    /// Ranges of a file copied through the two buffers in file order, with gaps between them and bytes put
    /// between them, shorter and longer than the read-ahead and the buffers, arrive exactly and in order.
    @Test func rangesCopiedThroughTheBuffersArriveExactly() throws {
        let directory = try TemporaryDirectory()
        let source = (0..<(7 << 20)).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) }
        let sourcePath = try directory.write("source.bin", bytes: source)
        let targetPath = try directory.write("target.bin", "")
        let descriptor = open(targetPath, O_WRONLY | O_CLOEXEC)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        let reader = try FileReader(sourcePath)
        let writer = FileWriter(descriptor: descriptor)
        let output = WriteBuffers(writer: writer)
        var expected: [UInt8] = []
        let lengths = [0, 1, 37, 4_000, (1 << 20) - 1, 1 << 20, 150, 3 << 20, 90_000, 5 << 20]
        var start = 0
        for (step, length) in zip(0..., lengths + lengths) where start < source.count {
            let end = min(source.count, start + length)
            try output.copy(start..<end, from: reader)
            expected += source[start..<end]
            if step % 3 == 0 {
                [UInt8]([0x0D, 0x0A]).withUnsafeBytes { output.put($0) }
                expected += [0x0D, 0x0A]
            }
            start = end + step % 4
        }
        output.finish()
        #expect(writer.waitUntilWritten() == nil)
        #expect(output.count == expected.count)
        #expect(try FileStorage.load(targetPath).bytes == expected)
    }

    @Test func aFileCutShortAfterItWasOpenedIsAChangedFile() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.csv", "employeeId\nE1\nE2\n")
        let reader = try FileReader(path)
        try #require(truncate(path, 5) == 0)
        let expected = ConnectorError(
            .transient,
            "\(path) changed while it was read; retry when it is complete (write it by renaming a new file)")
        #expect(throws: expected) { try reader.bytes(in: 11..<13) }
    }
}
