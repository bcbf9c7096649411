import ConnectorKit

/// Reads and writes a JSON Lines file of objects: one JSON object per line, its members the attributes.
///
/// Values are strings, numbers, booleans or arrays of them (several values); `null` and `[]` are an absent
/// attribute. Undeclared attributes take their kind from JSON (integers, booleans, strings); declared ones
/// (`types`, `references`) are read from their text. Lines that hold only white space are skipped.
struct JSONLinesFormat: FileFormat {
    let settings: FileConnectorSettings

    func read(_ source: [UInt8], decodingValues: Bool) throws -> FileTable {
        var table = FileTable(source: source)
        try source.withUnsafeBufferPointer { bytes in
            try validate(bytes, linesBefore: 0)
            let layout = FileTable.layout(of: bytes)
            table.reserveCapacity(for: bytes)
            table.hasByteOrderMark = layout.bom
            table.lineEnding = layout.lineEnding
            _ = try readLines(
                bytes, from: layout.start, offset: 0, linesBefore: 0, into: &table, decodingValues: decodingValues)
        }
        return table
    }

    /// Throws, naming the line, if `bytes` (the file's after `linesBefore` lines) are not valid UTF-8.
    func validate(_ bytes: UnsafeBufferPointer<UInt8>, linesBefore: Int) throws(ConnectorError) {
        guard let offset = UTF8Validation.firstInvalidOffset(in: bytes) else { return }
        let line = linesBefore + UTF8Validation.line(of: offset, in: bytes)
        throw error(.protocolViolation, line, "the text is not valid UTF-8; save the file as UTF-8")
    }

    /// Reads the lines of `bytes` from `start` into `table`, and returns how many there were. `bytes` are the
    /// file's from `offset` on, after `linesBefore` lines, and end with a whole line; `row` is given each row's
    /// bytes (blank lines are skipped).
    func readLines(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, offset: Int, linesBefore: Int,
        into table: inout FileTable, decodingValues: Bool, row: (UnsafeBufferPointer<UInt8>) -> Void = { _ in }
    ) throws -> Int {
        var members: [JSONLineParser.Member] = []
        // Its entries are ranges of `bytes`: it is not kept beyond them.
        var names = NameCache()
        return try Self.forEachRow(bytes, from: start) { range, number in
            let line = linesBefore + number
            var parser = JSONLineParser(bytes, line: range)
            do throws(JSONLineParser.SyntaxError) {
                try parser.parseObject(into: &members)
            } catch {
                throw self.error(.protocolViolation, line, "column \(error.column): \(error.message)")
            }
            let object = try self.object(
                members, names: &names, bytes: bytes, line: line, decodingValues: decodingValues)
            row(UnsafeBufferPointer(rebasing: bytes[range]))
            try table.append(
                object, line: line, raw: range.lowerBound + offset..<range.upperBound + offset,
                isDecoded: decodingValues, file: settings.path)
        }
    }

    /// The names and declared kinds of the members of the previous lines, by position: lines of one file
    /// usually name the same members in the same order, so most names are found without making a string.
    struct NameCache {
        var entries: [(bytes: Range<Int>, name: String, kind: AttributeKind?)] = []
    }

    private func object(
        _ members: [JSONLineParser.Member], names: inout NameCache, bytes: UnsafeBufferPointer<UInt8>, line: Int,
        decodingValues: Bool = true
    ) throws -> ConnectorObject {
        var attributes: Attributes = [:]
        // Without values a row keeps only its anchor: no room for the others.
        if decodingValues { attributes.reserveCapacity(members.count) }
        var anchor: Anchor?
        for (position, member) in members.enumerated() {
            let name: String
            let kind: AttributeKind?
            switch member.name {
            case .text(let text):
                (name, kind) = (text, settings.declaredKind(of: text))
            case .bytes(let range):
                if position < names.entries.count, Self.equal(bytes, range, names.entries[position].bytes) {
                    (name, kind) = (names.entries[position].name, names.entries[position].kind)
                } else {
                    name = String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
                    kind = settings.declaredKind(of: name)
                    let entry = (range, name, kind)
                    if position < names.entries.count {
                        names.entries[position] = entry
                    } else {
                        names.entries.append(entry)
                    }
                }
            }
            if !decodingValues && name != settings.anchorAttribute { continue }
            var values: [AttributeValue] = []
            switch member.value {
            case .scalar(let scalar):
                if let value = try value(scalar, kind, name, line) { values.append(value) }
                if name == settings.anchorAttribute {
                    switch scalar {
                    case .string(let text) where !text.isEmpty: anchor = Anchor(text)
                    case .number(let text, _): anchor = Anchor(text)
                    default: break
                    }
                }
            case .array(let scalars):
                if name == settings.anchorAttribute {
                    throw error(.schema, line, "member '\(name)' is the anchor and must hold one value, not an array")
                }
                for scalar in scalars {
                    if let value = try value(scalar, kind, name, line) { values.append(value) }
                }
            }
            if values.isEmpty {
                // A null or empty member adds nothing, but a member with values before it makes a duplicate.
                if attributes[name] != nil { throw error(.schema, line, "member '\(name)' appears twice") }
            } else if attributes.updateValue(values, forKey: name) != nil {
                throw error(.schema, line, "member '\(name)' appears twice")
            }
        }
        guard let anchor else {
            throw error(
                .schema, line,
                "the object has no value for '\(settings.anchorAttribute)', the anchor; every line needs one")
        }
        var object = ConnectorObject(anchor: anchor, objectType: settings.objectType)
        if decodingValues { object.attributes = attributes }
        return object
    }

    func decode(_ bytes: UnsafeBufferPointer<UInt8>, line: Int, in table: FileTable) throws -> ConnectorObject {
        var members: [JSONLineParser.Member] = []
        var names = NameCache()
        return try decode(0..<bytes.count, line: line, bytes, &members, &names)
    }

    func decode(
        _ positions: Range<Int>, of table: FileTable, from bytes: UnsafeBufferPointer<UInt8>, offset: Int,
        _ body: (ConnectorObject) throws -> Void
    ) throws {
        var members: [JSONLineParser.Member] = []
        var names = NameCache()
        try table.forEachObject(
            at: positions,
            decode: { raw, line in
                try decode(raw.lowerBound - offset..<raw.upperBound - offset, line: line, bytes, &members, &names)
            }, body)
    }

    private func decode(
        _ raw: Range<Int>, line: Int, _ bytes: UnsafeBufferPointer<UInt8>, _ members: inout [JSONLineParser.Member],
        _ names: inout NameCache
    ) throws -> ConnectorObject {
        var parser = JSONLineParser(bytes, line: raw)
        do throws(JSONLineParser.SyntaxError) {
            try parser.parseObject(into: &members)
        } catch {
            throw self.error(.protocolViolation, line, "column \(error.column): \(error.message)")
        }
        return try object(members, names: &names, bytes: bytes, line: line)
    }

    private static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ a: Range<Int>, _ b: Range<Int>) -> Bool {
        guard a.count == b.count else { return false }
        var (i, j) = (a.lowerBound, b.lowerBound)
        while i < a.upperBound {
            if bytes[i] != bytes[j] { return false }
            i += 1
            j += 1
        }
        return true
    }

    private func value(_ scalar: JSONLineParser.Scalar, _ kind: AttributeKind?, _ name: String, _ line: Int) throws
        -> AttributeValue?
    {
        let text: String
        switch scalar {
        case .null:
            return nil
        case .string(let string):
            guard kind != nil else { return .string(string) }
            text = string
        case .number(let literal, let isInteger):
            if kind == nil {
                return isInteger ? Int64(literal).map(AttributeValue.integer) ?? .string(literal) : .string(literal)
            }
            text = literal
        case .boolean(let flag):
            if kind == nil { return .boolean(flag) }
            text = flag ? "true" : "false"
        }
        switch AttributeCodec.decode(text, as: kind!) {
        case .success(let value): return value
        case .failure(let problem): throw error(.schema, line, "the value of member '\(name)' \(problem.description)")
        }
    }

    private func error(_ code: ConnectorError.Code, _ line: Int, _ message: String) -> ConnectorError {
        ConnectorError(code, "\(settings.path):\(line): \(message)")
    }

    func write(_ table: inout FileTable, from file: FileReader, to writer: FileWriter) throws(ConnectorError) {
        let prefix: [UInt8] = table.hasByteOrderMark ? [0xEF, 0xBB, 0xBF] : []
        try table.writeRows(prefix: prefix, padding: [], from: file, to: writer) { object, output in
            append(object, to: &output)
        }
    }

    func formattedRow(_ object: ConnectorObject) -> [UInt8]? {
        var bytes: [UInt8] = []
        append(object, to: &bytes)
        return bytes
    }

    /// Writes the anchor attribute first, then the others in name order.
    private func append(_ object: ConnectorObject, to output: inout [UInt8]) {
        let anchorName = settings.anchorAttribute
        let names = [anchorName] + object.attributes.keys.filter { $0 != anchorName }.sorted()
        output.append(UInt8(ascii: "{"))
        var first = true
        for name in names {
            guard let values = object.attributes[name] else { continue }
            if !first { output.append(UInt8(ascii: ",")) }
            first = false
            appendString(name, to: &output)
            output.append(UInt8(ascii: ":"))
            if values.count == 1 && settings.multiValued[name] == nil {
                append(values[0], to: &output)
            } else {
                output.append(UInt8(ascii: "["))
                for (index, value) in values.enumerated() {
                    if index > 0 { output.append(UInt8(ascii: ",")) }
                    append(value, to: &output)
                }
                output.append(UInt8(ascii: "]"))
            }
        }
        output.append(UInt8(ascii: "}"))
    }

    private func append(_ value: AttributeValue, to output: inout [UInt8]) {
        switch value {
        case .integer(let number): output += String(number).utf8
        case .boolean(let flag): output += (flag ? "true" : "false").utf8
        default: appendString(AttributeCodec.encode(value), to: &output)
        }
    }

    private func appendString(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): output += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: output += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: output += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: output += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                output += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
