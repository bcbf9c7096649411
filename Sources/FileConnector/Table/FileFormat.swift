import ConnectorKit

/// A way of storing objects in a file: CSV or JSON Lines.
protocol FileFormat {
    /// The objects of a file's bytes. Throws ``ConnectorKit/ConnectorError`` naming the file and line of the
    /// first problem: a syntax error, a row without an anchor, a duplicate anchor, a malformed value.
    ///
    /// Without `decodingValues`, rows hold only their anchors until ``decode(_:in:)``: an export rewrites only
    /// the rows it changes and copies the others, so it need not decode them.
    func read(_ source: [UInt8], decodingValues: Bool) throws -> FileTable

    /// The object of a row read without decoding values.
    func decode(_ row: FileTable.Row, in table: FileTable) throws -> ConnectorObject

    /// The objects of `table`'s rows at `positions` (read without decoding values), in order, handed to `body`
    /// one at a time; deleted rows are skipped. What one row needs is made once for all of them.
    func decode(
        _ positions: Range<Int>, of table: FileTable, _ body: (ConnectorObject) throws -> Void
    ) throws

    /// Makes `table` the file holding its rows: its ``FileTable/source`` becomes the bytes to write, in which
    /// every row (unchanged rows keep their original bytes) and the header have their ranges, so that the
    /// table can be used again for the file as written. Works in place: a large file's table is not copied.
    /// The bytes are handed to `writer` as they are produced and are all written when this returns.
    func write(_ table: inout FileTable, to writer: FileWriter?)

    /// The header's bytes (CSV) and each row's bytes, without line endings, split exactly as ``read(_:decodingValues:)``
    /// splits them but without decoding anything; `nil` if the bytes do not split cleanly (then read them whole,
    /// which reports the problem).
    func rowRanges(_ bytes: UnsafeBufferPointer<UInt8>) -> (header: Range<Int>?, rows: [Range<Int>])?
}
