import ConnectorKit

/// The bytes of a file on their way to its ``FileWriter``, through two buffers of ``pieceBytes``: the writer
/// writes one (on its thread) while the other is filled, so that producing and writing overlap and a file of any
/// size needs only these two buffers.
final class WriteBuffers {
    private let writer: FileWriter
    private let buffers: [UnsafeMutableRawBufferPointer]
    /// The buffer being filled, and how much of it is.
    private var current = 0
    private var filled = 0
    /// The bytes given so far: the offset in the file of the next byte.
    private(set) var count = 0

    /// How many bytes the writer is given at a time: large enough that each write and write-back request is
    /// cheap, small enough that the disk starts early and little memory is held.
    static var pieceBytes: Int { 4 << 20 }

    init(writer: FileWriter) {
        self.writer = writer
        buffers = (0..<2).map { _ in .allocate(byteCount: Self.pieceBytes, alignment: 16) }
    }

    deinit {
        // The writer may still be reading a buffer (when the producer stopped early, on an error).
        _ = writer.waitUntilWritten()
        for buffer in buffers { buffer.deallocate() }
    }

    /// Appends `bytes`.
    func put(_ bytes: UnsafeRawBufferPointer) {
        var start = 0
        while start < bytes.count {
            let room = self.room()
            let taken = min(room.count, bytes.count - start)
            room.baseAddress!.copyMemory(from: bytes.baseAddress! + start, byteCount: taken)
            advance(taken)
            start += taken
        }
    }

    /// Appends the bytes of `range` of `file`, read into the buffers: ranges of a few rows through the file's
    /// read-ahead, longer ranges straight (``FileReader/copy(_:to:)``).
    func copy(_ range: Range<Int>, from file: FileReader) throws(ConnectorError) {
        let isLong = range.count >= FileReader.windowBytes
        var start = range.lowerBound
        while start < range.upperBound {
            let room = self.room()
            let taken = min(room.count, range.upperBound - start)
            let piece = start..<start + taken
            if isLong {
                try file.fill(UnsafeMutableRawBufferPointer(rebasing: room[0..<taken]), from: start)
            } else {
                try file.copy(piece, to: room.baseAddress!)
            }
            advance(taken)
            start += taken
        }
    }

    /// Hands the writer what is left and waits until it has written everything (into the page cache).
    func finish() {
        handOut()
        _ = writer.waitUntilWritten()
    }

    /// The free part of the current buffer, after handing it out if it is full.
    private func room() -> UnsafeMutableRawBufferPointer {
        if filled == Self.pieceBytes { handOut() }
        return UnsafeMutableRawBufferPointer(rebasing: buffers[current][filled...])
    }

    private func advance(_ count: Int) {
        filled += count
        self.count += count
    }

    /// Gives the current buffer's bytes to the writer and makes the other buffer current. The other buffer was
    /// given before: the writer is done with it once it has written everything given so far.
    private func handOut() {
        guard filled > 0 else { return }
        _ = writer.waitUntilWritten()
        writer.write(UnsafeRawBufferPointer(rebasing: buffers[current][0..<filled]))
        current = 1 - current
        filled = 0
    }
}
