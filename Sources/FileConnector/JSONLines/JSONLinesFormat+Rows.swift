extension JSONLinesFormat {
    /// The lines' bytes, without line endings, skipping lines of white space as ``read(_:decodingValues:)`` does.
    func rowRanges(_ bytes: UnsafeBufferPointer<UInt8>) -> (header: Range<Int>?, rows: [Range<Int>])? {
        var rows: [Range<Int>] = []
        rows.reserveCapacity(bytes.count / 128)
        var position = FileTable.layout(of: bytes).start
        while position < bytes.count {
            let lineEnd = LineScan.firstLineFeed(bytes, from: position)
            var contentEnd = lineEnd
            if contentEnd > position && bytes[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            let range = position..<contentEnd
            position = lineEnd + 1
            if bytes[range].allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            rows.append(range)
        }
        return (nil, rows)
    }
}
