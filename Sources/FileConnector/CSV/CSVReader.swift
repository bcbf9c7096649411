/// Splits CSV text (RFC 4180) into records and fields, working on UTF-8 bytes.
///
/// Fields are separated by the delimiter and records by CRLF, LF or CR. A field that starts with a quote is
/// quoted: it ends at the next lone quote, may hold delimiters and line breaks, and `""` stands for one quote;
/// only the delimiter or a line break may follow its closing quote. A quote inside an unquoted field is kept
/// as it is. Empty lines between records are skipped.
struct CSVReader {
    /// A field: a range of the input, or of ``scratch`` for a quoted field whose doubled quotes were undone.
    struct Field {
        var range: Range<Int>
        var isInScratch: Bool
    }

    /// A syntax error and the line it is on.
    struct SyntaxError: Error {
        var line: Int
        var message: String
    }

    private static let quote = UInt8(ascii: "\"")
    private static let lineFeed = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    let bytes: UnsafeBufferPointer<UInt8>
    let delimiter: UInt8
    private(set) var position: Int
    /// The line ``position`` is on, from 1.
    private(set) var line = 1
    /// The text of the current record's quoted fields that held doubled quotes.
    private(set) var scratch: [UInt8] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, delimiter: UInt8) {
        self.bytes = bytes
        self.position = start
        self.delimiter = delimiter
    }

    /// Reads the next record's fields into `fields`; returns the line it starts on and its bytes without the
    /// line ending, or `nil` at the end of the input.
    mutating func nextRecord(into fields: inout [Field]) throws(SyntaxError) -> (line: Int, raw: Range<Int>)? {
        fields.removeAll(keepingCapacity: true)
        scratch.removeAll(keepingCapacity: true)
        let count = bytes.count
        while position < count, bytes[position] == Self.lineFeed || bytes[position] == Self.carriageReturn {
            skipLineEnding()
        }
        guard position < count else { return nil }
        let start = position
        let startLine = line
        while true {
            if position < count && bytes[position] == Self.quote {
                fields.append(try quotedField())
            } else {
                let fieldStart = position
                while position < count {
                    let byte = bytes[position]
                    if byte == delimiter || byte == Self.lineFeed || byte == Self.carriageReturn { break }
                    position += 1
                }
                fields.append(Field(range: fieldStart..<position, isInScratch: false))
            }
            if position >= count { return (startLine, start..<position) }
            if bytes[position] == delimiter {
                position += 1
                continue
            }
            let end = position
            skipLineEnding()
            return (startLine, start..<end)
        }
    }

    private mutating func quotedField() throws(SyntaxError) -> Field {
        let openingLine = line
        position += 1
        let start = position
        var scratchStart: Int?
        var copied = start
        while true {
            guard position < bytes.count else {
                throw SyntaxError(line: openingLine, message: "a quoted field is not closed; add the closing quote")
            }
            let byte = bytes[position]
            if byte == Self.quote {
                if position + 1 < bytes.count && bytes[position + 1] == Self.quote {
                    // A doubled quote: copy what came before it and one quote to the scratch buffer.
                    if scratchStart == nil { scratchStart = scratch.count }
                    scratch.append(contentsOf: bytes[copied...position])
                    position += 2
                    copied = position
                    continue
                }
                break
            }
            if byte == Self.lineFeed || (byte == Self.carriageReturn && !isLineFeed(at: position + 1)) { line += 1 }
            position += 1
        }
        let end = position
        position += 1
        if position < bytes.count {
            let next = bytes[position]
            if next != delimiter && next != Self.lineFeed && next != Self.carriageReturn {
                throw SyntaxError(
                    line: line, message: "a closing quote is followed by text; double quotes inside a quoted field")
            }
        }
        guard let scratchStart else { return Field(range: start..<end, isInScratch: false) }
        scratch.append(contentsOf: bytes[copied..<end])
        return Field(range: scratchStart..<scratch.count, isInScratch: true)
    }

    private func isLineFeed(at index: Int) -> Bool {
        index < bytes.count && bytes[index] == Self.lineFeed
    }

    private mutating func skipLineEnding() {
        if bytes[position] == Self.carriageReturn && isLineFeed(at: position + 1) { position += 1 }
        position += 1
        line += 1
    }

    /// Calls `body` with the field's bytes.
    func withBytes<Result>(_ field: Field, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        if field.isInScratch {
            return try scratch.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[field.range])) }
        }
        return try body(UnsafeBufferPointer(rebasing: bytes[field.range]))
    }

    /// The field's text; the input has been checked to be UTF-8.
    func string(_ field: Field) -> String {
        withBytes(field) { String(decoding: $0, as: UTF8.self) }
    }
}
