import ConnectorKit

/// Turns the fields of one CSV row into an object, using what the settings say about each column.
struct RowDecoder {
    struct Column {
        var name: String
        var kind: AttributeKind
        /// The UTF-8 bytes between values of a multi-valued attribute.
        var separator: [UInt8]?
    }

    let settings: FileConnectorSettings
    let columns: [Column]
    let anchorColumn: Int

    init(settings: FileConnectorSettings, columns names: [String]) throws {
        self.settings = settings
        self.columns = names.map {
            Column(
                name: $0, kind: settings.declaredKind(of: $0) ?? .string,
                separator: settings.multiValued[$0].map { Array($0.utf8) })
        }
        self.anchorColumn = names.firstIndex(of: settings.anchorAttribute)!
    }

    /// The row's object; `error` makes the error for a problem on this row.
    func object(
        _ fields: [CSVReader.Field], _ reader: CSVReader,
        error: (ConnectorError.Code, String) -> ConnectorError
    ) throws -> ConnectorObject {
        var attributes: Attributes = [:]
        attributes.reserveCapacity(columns.count)
        var anchor: Anchor?
        for (index, field) in fields.enumerated() where !field.range.isEmpty {
            let column = columns[index]
            let values = try reader.withBytes(field) { bytes in
                var values: [AttributeValue] = []
                var start = 0
                while start < bytes.count {
                    let end = column.separator.map { Self.find($0, in: bytes, from: start) } ?? bytes.count
                    if end > start {
                        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
                        if index == anchorColumn { anchor = Anchor(text) }
                        values.append(try decode(text, column, error))
                    }
                    start = end + (column.separator?.count ?? 0)
                }
                return values
            }
            if !values.isEmpty { attributes[column.name] = values }
        }
        guard let anchor else { throw error(.schema, Self.missingAnchor(settings)) }
        var object = ConnectorObject(anchor: anchor, objectType: settings.objectType)
        object.attributes = attributes
        return object
    }

    static func missingAnchor(_ settings: FileConnectorSettings) -> String {
        "the row has no value in column '\(settings.anchorAttribute)', the anchor; every row needs one"
    }

    /// The index of the first occurrence of `separator` in `bytes` at or after `start`, or `bytes.count`.
    private static func find(_ separator: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        let first = separator[0]
        var index = start
        while index + separator.count <= bytes.count {
            if bytes[index] == first
                && (separator.count == 1 || bytes[index..<index + separator.count].elementsEqual(separator))
            {
                return index
            }
            index += 1
        }
        return bytes.count
    }

    private func decode(
        _ text: String, _ column: Column, _ error: (ConnectorError.Code, String) -> ConnectorError
    ) throws -> AttributeValue {
        switch AttributeCodec.decode(text, as: column.kind) {
        case .success(let value): return value
        case .failure(let problem): throw error(.schema, "the value in column '\(column.name)' \(problem.description)")
        }
    }
}
