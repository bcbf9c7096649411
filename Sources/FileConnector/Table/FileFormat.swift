import ConnectorKit

/// A way of storing objects in a file: CSV or JSON Lines.
protocol FileFormat {
    /// The objects of a file's bytes. Throws ``ConnectorKit/ConnectorError`` naming the file and line of the
    /// first problem: a syntax error, a row without an anchor, a duplicate anchor, a malformed value.
    ///
    /// Without `decodingValues`, rows hold only their anchors until ``decode(_:in:)``: an export rewrites only
    /// the rows it changes and copies the others, so it need not decode them.
    func read(_ source: [UInt8], decodingValues: Bool) throws -> FileTable

    /// The object of a row of `table` read without decoding values, from `bytes`: the row's own bytes (its
    /// ``FileTable/Row/raw`` range of the file); `line` names it in errors.
    func decode(_ bytes: UnsafeBufferPointer<UInt8>, line: Int, in table: FileTable) throws -> ConnectorObject

    /// The objects of `table`'s rows at `positions` (read without decoding values), in order, handed to `body`
    /// one at a time; deleted rows are skipped. What one row needs is made once for all of them. `bytes` hold
    /// the rows: the file's bytes from `offset` on.
    func decode(
        _ positions: Range<Int>, of table: FileTable, from bytes: UnsafeBufferPointer<UInt8>, offset: Int,
        _ body: (ConnectorObject) throws -> Void
    ) throws

    /// Writes the file holding `table`'s rows to `writer`, unchanged rows copied byte for byte from `file` (the
    /// file their ranges are in, see ``FileTable/writeRows(prefix:padding:from:to:writeRow:)``), and makes
    /// `table` the table of the file written, so that it can be used again. Works in place: a large file's table
    /// is not copied. The bytes are all written when this returns.
    func write(_ table: inout FileTable, from file: FileReader, to writer: FileWriter) throws(ConnectorError)

    /// The row's bytes for `object`, without a line ending, exactly as ``write(_:from:to:)`` writes them; `nil`
    /// when they depend on the other rows (CSV: the header's columns), and are made when the file is written.
    /// An export formats each row it changes at once, so it holds the row's bytes, not its values.
    func formattedRow(_ object: ConnectorObject) -> [UInt8]?

    /// The header's bytes (CSV) and each row's bytes, without line endings, split exactly as ``read(_:decodingValues:)``
    /// splits them but without decoding anything; `nil` if the bytes do not split cleanly (then read them whole,
    /// which reports the problem).
    func rowRanges(_ bytes: UnsafeBufferPointer<UInt8>) -> (header: Range<Int>?, rows: [Range<Int>])?
}

extension FileFormat {
    /// The objects of `table`'s rows at `positions`, decoded from the file's bytes the table holds.
    func decode(_ positions: Range<Int>, of table: FileTable, _ body: (ConnectorObject) throws -> Void) throws {
        try table.source.withUnsafeBufferPointer { try decode(positions, of: table, from: $0, offset: 0, body) }
    }
}
