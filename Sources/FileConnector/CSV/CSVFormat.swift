import ConnectorKit

/// Reads and writes a CSV file of objects: a header row naming the attributes, then one row per object.
///
/// An empty cell is an absent attribute (so a CSV file cannot hold an empty string). A multi-valued attribute's
/// values share one cell, separated by its separator from the `multiValued` setting.
struct CSVFormat: FileFormat {
    let settings: FileConnectorSettings

    func read(_ source: [UInt8], decodingValues: Bool) throws -> FileTable {
        var table = FileTable(source: source)
        try source.withUnsafeBufferPointer { bytes in
            if let offset = UTF8Validation.firstInvalidOffset(in: bytes) {
                let line = UTF8Validation.line(of: offset, in: bytes)
                throw error(.protocolViolation, line, "the text is not valid UTF-8; save the file as UTF-8")
            }
            let layout = FileTable.layout(of: bytes)
            table.reserveCapacity(for: bytes)
            table.hasByteOrderMark = layout.bom
            table.lineEnding = layout.lineEnding
            var reader = CSVReader(bytes, from: layout.start, delimiter: settings.delimiter)
            var fields: [CSVReader.Field] = []
            do {
                guard let header = try reader.nextRecord(into: &fields) else { return }
                table.header = Array(bytes[header.raw])
                table.columns = try columns(fields, reader)
                let decoder = try RowDecoder(settings: settings, columns: table.columns)
                while let record = try reader.nextRecord(into: &fields) {
                    guard fields.count == table.columns.count else {
                        throw error(
                            .protocolViolation, record.line,
                            "the row has \(fields.count) fields; the header has \(table.columns.count)")
                    }
                    let object: ConnectorObject
                    if decodingValues {
                        object = try decoder.object(fields, reader) { code, message in error(code, record.line, message)
                        }
                    } else {
                        let field = fields[decoder.anchorColumn]
                        guard !field.range.isEmpty else {
                            throw error(.schema, record.line, RowDecoder.missingAnchor(settings))
                        }
                        object = ConnectorObject(anchor: Anchor(reader.string(field)), objectType: settings.objectType)
                    }
                    try table.append(
                        object, line: record.line, raw: record.raw, isDecoded: decodingValues, file: settings.path)
                }
            } catch let syntax as CSVReader.SyntaxError {
                throw error(.protocolViolation, syntax.line, syntax.message)
            }
        }
        return table
    }

    func decode(_ bytes: UnsafeBufferPointer<UInt8>, line: Int, in table: FileTable) throws -> ConnectorObject {
        var fields: [CSVReader.Field] = []
        let decoder = try RowDecoder(settings: settings, columns: table.columns)
        return try decode(0..<bytes.count, line: line, bytes, decoder, &fields)
    }

    func decode(
        _ positions: Range<Int>, of table: FileTable, from bytes: UnsafeBufferPointer<UInt8>, offset: Int,
        _ body: (ConnectorObject) throws -> Void
    ) throws {
        let decoder = try RowDecoder(settings: settings, columns: table.columns)
        var fields: [CSVReader.Field] = []
        try table.forEachObject(
            at: positions,
            decode: { raw, line in
                try decode(raw.lowerBound - offset..<raw.upperBound - offset, line: line, bytes, decoder, &fields)
            }, body)
    }

    private func decode(
        _ raw: Range<Int>, line: Int, _ bytes: UnsafeBufferPointer<UInt8>, _ decoder: RowDecoder,
        _ fields: inout [CSVReader.Field]
    ) throws -> ConnectorObject {
        var reader = CSVReader(bytes, from: raw.lowerBound, delimiter: settings.delimiter)
        _ = try reader.nextRecord(into: &fields)
        return try decoder.object(fields, reader) { code, message in error(code, line, message) }
    }

    private func columns(_ fields: [CSVReader.Field], _ reader: CSVReader) throws -> [String] {
        var names: [String] = []
        for field in fields {
            let name = reader.string(field)
            if name.isEmpty { throw error(.schema, 1, "column \(names.count + 1) of the header has no name") }
            if names.contains(name) { throw error(.schema, 1, "the header names column '\(name)' twice") }
            names.append(name)
        }
        if !names.contains(settings.anchorAttribute) {
            throw error(.schema, 1, "the header has no column '\(settings.anchorAttribute)', the anchor")
        }
        return names
    }

    private func error(_ code: ConnectorError.Code, _ line: Int, _ message: String) -> ConnectorError {
        ConnectorError(code, "\(settings.path):\(line): \(message)")
    }

    /// `nil`: a row's fields follow the header, and an export may add columns to it.
    func formattedRow(_ object: ConnectorObject) -> [UInt8]? { nil }

    func write(_ table: inout FileTable, from file: FileReader, to writer: FileWriter) throws(ConnectorError) {
        var columns = table.columns
        if columns.isEmpty {
            columns = [settings.anchorAttribute] + settings.attributes.filter { $0 != settings.anchorAttribute }
        }
        let known = Set(columns)
        var added = Set<String>()
        for case let row? in table.rows where row.raw == nil {
            for name in row.object.attributes.keys where !known.contains(name) { added.insert(name) }
        }
        columns += added.sorted()
        let padding = [UInt8](repeating: settings.delimiter, count: columns.count - table.columns.count)

        var prefix: [UInt8] = table.hasByteOrderMark ? [0xEF, 0xBB, 0xBF] : []
        let headerStart = prefix.count
        if !table.columns.isEmpty {
            prefix += table.header
            for name in columns[table.columns.count...] {
                prefix.append(settings.delimiter)
                appendField(name, to: &prefix)
            }
        } else {
            for (index, name) in columns.enumerated() {
                if index > 0 { prefix.append(settings.delimiter) }
                appendField(name, to: &prefix)
            }
        }
        table.header = Array(prefix[headerStart...])
        table.columns = columns
        prefix += table.lineEnding
        try table.writeRows(prefix: prefix, padding: padding, from: file, to: writer) { object, output in
            for (index, name) in columns.enumerated() {
                if index > 0 { output.append(settings.delimiter) }
                guard let values = object.attributes[name] else { continue }
                let separator = settings.multiValued[name] ?? ""
                appendField(values.map(AttributeCodec.encode).joined(separator: separator), to: &output)
            }
        }
    }

    /// Appends `text` as one field, quoted if it holds the delimiter, a quote or a line break.
    private func appendField(_ text: String, to output: inout [UInt8]) {
        let utf8 = text.utf8
        let needsQuotes = utf8.contains {
            $0 == settings.delimiter || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r")
        }
        guard needsQuotes else {
            output += utf8
            return
        }
        output.append(UInt8(ascii: "\""))
        for byte in utf8 {
            output.append(byte)
            if byte == UInt8(ascii: "\"") { output.append(byte) }
        }
        output.append(UInt8(ascii: "\""))
    }
}
