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

    /// The bytes of the file holding `table`'s rows; unchanged rows keep their original bytes.
    func write(_ table: FileTable) -> [UInt8]
}
