extension CSVFormat {
    /// The header's and the rows' bytes, split exactly as ``read(_:decodingValues:)`` splits them. A record
    /// without a quote is one line, found by scanning eight bytes at a time for a line break or a quote; a
    /// record with a quote (which may span lines) is read by the ``CSVReader`` itself.
    func rowRanges(_ bytes: UnsafeBufferPointer<UInt8>) -> (header: Range<Int>?, rows: [Range<Int>])? {
        var reader = CSVReader(bytes, from: FileTable.layout(of: bytes).start, delimiter: settings.delimiter)
        var fields: [CSVReader.Field] = []
        let header: Range<Int>
        do {
            guard let record = try reader.nextRecord(into: &fields) else { return (nil, []) }
            header = record.raw
        } catch {
            return nil
        }
        var rows: [Range<Int>] = []
        rows.reserveCapacity(bytes.count / 128)
        var position = reader.position
        let count = bytes.count
        while true {
            // Line endings between records are skipped, as the reader skips them.
            while position < count
                && (bytes[position] == LineScan.lineFeed || bytes[position] == LineScan.carriageReturn)
            {
                position += 1
            }
            guard position < count else { break }
            let start = position
            let stop = LineScan.firstLineBreakOrQuote(bytes, from: start)
            if stop < count && bytes[stop] == LineScan.quote {
                var recordReader = CSVReader(bytes, from: start, delimiter: settings.delimiter)
                do {
                    guard let record = try recordReader.nextRecord(into: &fields) else { break }
                    rows.append(record.raw)
                    position = recordReader.position
                } catch {
                    return nil
                }
            } else {
                rows.append(start..<stop)
                position = stop
            }
        }
        return (header, rows)
    }
}

/// Finds line breaks (and CSV quotes) eight bytes at a time.
enum LineScan {
    static let lineFeed = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let quote = UInt8(ascii: "\"")

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// A mask with the high bit of the first byte of `word` equal to `byte` set (bits of later bytes may be
    /// set too, wrongly, but never those of earlier ones: use the lowest).
    @inline(__always) private static func zeroBytes(_ word: UInt64, _ pattern: UInt64) -> UInt64 {
        let x = word ^ pattern
        return (x &- ones) & ~x & highs
    }

    /// The offset of the first line feed, carriage return or quote at or after `start`, or `bytes.count`.
    static func firstLineBreakOrQuote(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        find(bytes, from: start, quotes: true)
    }

    /// The offset of the first line feed at or after `start`, or `bytes.count`.
    static func firstLineFeed(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        find(bytes, from: start, quotes: false)
    }

    @inline(__always)
    private static func find(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, quotes: Bool) -> Int {
        let count = bytes.count
        guard let base = bytes.baseAddress else { return count }
        let raw = UnsafeRawPointer(base)
        var position = start
        while position + 8 <= count {
            let word = raw.loadUnaligned(fromByteOffset: position, as: UInt64.self).littleEndian
            var found = zeroBytes(word, lineFeed.repeated)
            if quotes { found |= zeroBytes(word, carriageReturn.repeated) | zeroBytes(word, quote.repeated) }
            if found != 0 { return position + found.trailingZeroBitCount / 8 }
            position += 8
        }
        while position < count {
            let byte = bytes[position]
            if byte == lineFeed || (quotes && (byte == carriageReturn || byte == quote)) { return position }
            position += 1
        }
        return count
    }
}

extension UInt8 {
    /// The byte in each of a word's eight bytes.
    fileprivate var repeated: UInt64 { UInt64(self) &* 0x0101_0101_0101_0101 }
}
