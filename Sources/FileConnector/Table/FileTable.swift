import ConnectorKit

/// A file's objects in file order, with what is needed to write the file back: where the bytes of rows that did
/// not change are in the file (so they are written exactly as they were), the CSV header and the line ending.
///
/// An import's table holds the file's bytes (``source``) and decodes its pages from them. An export's table lets
/// them go once the rows are found (``dropSource()``): it holds each row's place in the file, and copies or
/// decodes a row by reading the file again (``FileReader``).
struct FileTable {
    struct Row {
        var object: ConnectorObject
        /// The line the row starts on (0 for a row added by an export).
        var line: Int
        /// The row's bytes in the file (and in ``FileTable/source`` while the table holds it), without the line
        /// ending, while the row is unchanged.
        var raw: Range<Int>?
        /// Whether the file has the table's ``FileTable/lineEnding`` right after ``raw``, so that the row is
        /// copied together with the next; set by ``FileTable/dropSource()`` and by writing.
        var isFollowedByLineEnding = false
        /// Whether ``object`` holds the row's values, or only its anchor (see ``FileFormat/read(_:decodingValues:)``).
        var isDecoded = true
        /// The bytes to write for a row an export changed, formatted when it changed
        /// (``FileFormat/formattedRow(_:)``); ``object`` then holds only the anchor.
        var formatted: [UInt8]?

        /// Keeps only the object's anchor and type; ``FileFormat/decode(_:in:)`` reads the values from the
        /// row's bytes again when they are needed.
        mutating func dropValues() {
            object = ConnectorObject(anchor: object.anchor, objectType: object.objectType)
            isDecoded = false
        }
    }

    /// The file's bytes as read, until ``dropSource()``.
    var source: [UInt8]
    /// The rows; `nil` for a row deleted by an export.
    var rows: [Row?] = []
    /// The position in ``rows`` of each anchor.
    var index: [Anchor: Int] = [:]
    /// The CSV header's columns, in order (empty for JSON Lines and an empty CSV file).
    var columns: [String] = []
    /// The CSV header's bytes, without the line ending (empty for JSON Lines and an empty CSV file).
    var header: [UInt8] = []
    /// The line ending the file uses (LF unless its first line ends with CRLF).
    var lineEnding: [UInt8] = [0x0A]
    /// Whether the file starts with a UTF-8 byte order mark, kept when writing.
    var hasByteOrderMark = false

    init(source: [UInt8]) {
        self.source = source
    }

    /// The objects of the rows at `positions` still present, in order: a row's bytes decoded by `decode` (given
    /// the bytes' range in the file and the row's line), or its object if it has no bytes of its own.
    func forEachObject(
        at positions: Range<Int>, decode: (Range<Int>, Int) throws -> ConnectorObject,
        _ body: (ConnectorObject) throws -> Void
    ) rethrows {
        for position in positions {
            guard let row = rows[position] else { continue }
            precondition(row.formatted == nil, "an import's table holds no rows formatted by an export")
            try body(try row.raw.map { try decode($0, row.line) } ?? row.object)
        }
    }

    /// Lets the file's bytes go, once the rows are found: the table keeps where each row is. Notes first which
    /// rows the line ending follows, the one thing about the bytes between rows that writing needs.
    mutating func dropSource() {
        let ending = lineEnding
        source.withUnsafeBufferPointer { bytes in
            for position in rows.indices {
                guard let raw = rows[position]?.raw, raw.upperBound + ending.count <= bytes.count else { continue }
                rows[position]!.isFollowedByLineEnding = bytes[raw.upperBound..<raw.upperBound + ending.count]
                    .elementsEqual(ending)
            }
        }
        source = []
    }

    /// Every row still present, in file order.
    var objects: [ConnectorObject] { rows.compactMap { $0?.object } }

    /// Adds a row read from the file; a duplicate anchor is an error naming both lines.
    mutating func append(
        _ object: ConnectorObject, line: Int, raw: Range<Int>, isDecoded: Bool = true, file: String
    ) throws(ConnectorError) {
        if let existing = index[object.anchor] {
            throw ConnectorError(
                .conflict,
                "\(file):\(line): anchor already used on line \(rows[existing]!.line); every row needs its own anchor",
                anchor: object.anchor)
        }
        index[object.anchor] = rows.count
        rows.append(Row(object: object, line: line, raw: raw, isDecoded: isDecoded))
    }

    /// Reserves room for as many rows as `bytes` has lines, so a large file is read without rehashing.
    mutating func reserveCapacity(for bytes: UnsafeBufferPointer<UInt8>) {
        var lines = 1
        for byte in bytes where byte == 0x0A { lines += 1 }
        rows.reserveCapacity(lines)
        index.reserveCapacity(lines)
    }

    /// Where the rows at `positions` are in the file: from the first's start to the last's end (`nil` if none
    /// has bytes in the file).
    func span(of positions: Range<Int>) -> Range<Int>? {
        guard let first = positions.lazy.compactMap({ self.rows[$0]?.raw }).first,
            let last = positions.reversed().lazy.compactMap({ self.rows[$0]?.raw }).first
        else { return nil }
        return first.lowerBound..<last.upperBound
    }

    /// Reserves room for `count` rows.
    mutating func reserveCapacity(rows count: Int) {
        rows.reserveCapacity(count)
        index.reserveCapacity(count)
    }

    /// The line ending and byte order mark of `bytes`, and where the content starts.
    static func layout(of bytes: UnsafeBufferPointer<UInt8>) -> (start: Int, bom: Bool, lineEnding: [UInt8]) {
        let bom = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
        var lineEnding: [UInt8] = [0x0A]
        if let newline = bytes.firstIndex(of: 0x0A), newline > 0, bytes[newline - 1] == 0x0D {
            lineEnding = [0x0D, 0x0A]
        }
        return (bom ? 3 : 0, bom, lineEnding)
    }
}
