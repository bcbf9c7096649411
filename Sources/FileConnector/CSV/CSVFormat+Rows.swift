extension CSVFormat {
    /// The header's and the rows' bytes, split by the same reader as ``read(_:decodingValues:)``.
    func rowRanges(_ bytes: UnsafeBufferPointer<UInt8>) -> (header: Range<Int>?, rows: [Range<Int>])? {
        var reader = CSVReader(bytes, from: FileTable.layout(of: bytes).start, delimiter: settings.delimiter)
        var fields: [CSVReader.Field] = []
        var rows: [Range<Int>] = []
        do {
            guard let header = try reader.nextRecord(into: &fields) else { return (nil, []) }
            while let record = try reader.nextRecord(into: &fields) { rows.append(record.raw) }
            return (header.raw, rows)
        } catch {
            return nil
        }
    }
}
