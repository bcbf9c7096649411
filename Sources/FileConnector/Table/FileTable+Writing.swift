import ConnectorKit

extension FileTable {
    /// Writes `prefix` (byte order mark, CSV header and its line ending) followed by the table's rows in order to
    /// `writer`, and points each row's ``Row/raw`` at its bytes in the file written. Unchanged rows are copied
    /// from `file`, the file their ranges are in (followed by `padding`), and consecutive unchanged rows that it
    /// holds one line ending apart are copied at once, so an export that changes a few rows of a large file
    /// copies a few long ranges; other rows are formatted by `writeRow`. Every row is followed by ``lineEnding``.
    ///
    /// Nothing of the file is held but two pieces on their way to the writer (``WriteBuffers``): the writer writes
    /// one (on its thread) while the next is copied and formatted. Returns once `writer` has written everything.
    /// The rows are updated in place (nothing else of the table is copied); a row formatted keeps only its
    /// anchor, as a row read without decoding, so the table of a large export does not hold every object it
    /// wrote.
    mutating func writeRows(
        prefix: [UInt8], padding: [UInt8], from file: FileReader, to writer: FileWriter,
        writeRow: (ConnectorObject, inout [UInt8]) -> Void
    ) throws(ConnectorError) {
        let output = WriteBuffers(writer: writer)
        let lineEnding = self.lineEnding
        func put(_ bytes: [UInt8]) { bytes.withUnsafeBytes { output.put($0) } }
        put(prefix)
        // Unchanged rows not yet copied: their bytes in `file`, and where they go.
        var run = 0..<0
        var runOutput = 0
        func flush() throws(ConnectorError) {
            try output.copy(run, from: file)
            run = 0..<0
        }
        var formatted: [UInt8] = []
        for position in rows.indices {
            guard let row = rows[position] else { continue }
            if let raw = row.raw, padding.isEmpty {
                if run.isEmpty || run.upperBound != raw.lowerBound {
                    try flush()
                    run = raw.lowerBound..<raw.lowerBound
                    runOutput = output.count
                }
                let start = runOutput + (raw.lowerBound - run.lowerBound)
                rows[position]!.raw = start..<start + raw.count
                rows[position]!.isFollowedByLineEnding = true
                if row.isFollowedByLineEnding {
                    run = run.lowerBound..<raw.upperBound + lineEnding.count
                } else {
                    run = run.lowerBound..<raw.upperBound
                    try flush()
                    put(lineEnding)
                }
                continue
            }
            try flush()
            let start = output.count
            if let raw = row.raw {
                try output.copy(raw, from: file)
                put(padding)
            } else if let bytes = row.formatted {
                put(bytes)
                rows[position]!.formatted = nil
            } else {
                formatted.removeAll(keepingCapacity: true)
                writeRow(row.object, &formatted)
                put(formatted)
                rows[position]!.dropValues()
            }
            rows[position]!.raw = start..<output.count
            rows[position]!.isFollowedByLineEnding = true
            put(lineEnding)
        }
        try flush()
        output.finish()
    }
}
