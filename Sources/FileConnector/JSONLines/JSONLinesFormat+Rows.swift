extension JSONLinesFormat {
    /// The lines' bytes, without line endings, skipping lines of white space as ``read(_:decodingValues:)`` does.
    func rowRanges(_ bytes: UnsafeBufferPointer<UInt8>) -> (header: Range<Int>?, rows: [Range<Int>])? {
        var rows: [Range<Int>] = []
        rows.reserveCapacity(bytes.count / 128)
        Self.forEachRow(bytes, from: FileTable.layout(of: bytes).start) { range, _ in rows.append(range) }
        return (nil, rows)
    }

    /// Calls `body` with the bytes of each line of `bytes` from `start` that is not white space, without its line
    /// ending, and the line's number among them (from 1); returns how many lines there were. Reading, scanning and
    /// hashing rows all split lines here, so they agree on every row's bytes.
    @discardableResult
    static func forEachRow(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, _ body: (Range<Int>, Int) throws -> Void
    ) rethrows -> Int {
        var position = start
        var line = 0
        while position < bytes.count {
            line += 1
            let lineEnd = LineScan.firstLineFeed(bytes, from: position)
            var contentEnd = lineEnd
            if contentEnd > position && bytes[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            let range = position..<contentEnd
            position = lineEnd + 1
            if bytes[range].allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            try body(range, line)
        }
        return line
    }
}
