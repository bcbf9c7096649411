import ConnectorKit

extension FileTable {
    /// Writes the table's rows into `output` in order and points each row's ``Row/raw`` at its bytes there:
    /// unchanged rows are copied from ``source`` (followed by `padding`), and consecutive unchanged rows that
    /// the source holds one line ending apart are copied at once, so an export that changes a few rows of a
    /// large file copies a few long ranges; other rows are written by `writeRow`. Every row is followed by
    /// ``lineEnding``. The rows are updated in place (nothing else of the table is copied); the caller then
    /// makes `output` the source.
    mutating func writeRows(
        into output: inout [UInt8], padding: [UInt8], writeRow: (ConnectorObject, inout [UInt8]) -> Void
    ) {
        let source = self.source
        let lineEnding = self.lineEnding
        source.withUnsafeBufferPointer { source in
            // Unchanged rows not yet copied: their bytes in the source, and where they go in the output.
            var run: Range<Int>?
            var runOutput = 0
            func flush(_ output: inout [UInt8]) {
                if let run, !run.isEmpty { output += UnsafeBufferPointer(rebasing: source[run]) }
                run = nil
            }
            func followedByLineEnding(_ end: Int) -> Bool {
                guard end + lineEnding.count <= source.count else { return false }
                for (offset, byte) in lineEnding.enumerated() where source[end + offset] != byte { return false }
                return true
            }
            for position in rows.indices {
                guard let row = rows[position] else { continue }
                if let raw = row.raw, padding.isEmpty {
                    if run?.upperBound != raw.lowerBound {
                        flush(&output)
                        run = raw.lowerBound..<raw.lowerBound
                        runOutput = output.count
                    }
                    let runStart = run!.lowerBound
                    let start = runOutput + (raw.lowerBound - runStart)
                    rows[position]!.raw = start..<start + raw.count
                    if followedByLineEnding(raw.upperBound) {
                        run = runStart..<raw.upperBound + lineEnding.count
                    } else {
                        run = runStart..<raw.upperBound
                        flush(&output)
                        output += lineEnding
                    }
                    continue
                }
                flush(&output)
                let start = output.count
                if let raw = row.raw {
                    output += UnsafeBufferPointer(rebasing: source[raw])
                    output += padding
                } else {
                    writeRow(row.object, &output)
                }
                rows[position]!.raw = start..<output.count
                output += lineEnding
            }
            flush(&output)
        }
    }
}
