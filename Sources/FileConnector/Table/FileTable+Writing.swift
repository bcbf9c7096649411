import ConnectorKit

extension FileTable {
    /// Makes `prefix` (byte order mark, CSV header and its line ending) followed by the table's rows in order the
    /// new ``source``, and points each row's ``Row/raw`` at its bytes there. Unchanged rows are copied from the
    /// old source (followed by `padding`), and consecutive unchanged rows that the old source holds one line
    /// ending apart are copied at once, so an export that changes a few rows of a large file copies a few long
    /// ranges; other rows are formatted by `writeRow`. Every row is followed by ``lineEnding``.
    ///
    /// The changed rows are formatted first, so that the file's size is known and the new source is filled in
    /// one allocation of that size, in file order; each piece of it is handed to `writer` as soon as it is
    /// filled, so that the file is written (on the writer's thread) while the rest is still being copied.
    /// Returns once `writer` has written everything. The rows are updated in place (nothing else of the table is
    /// copied).
    mutating func writeRows(
        prefix: [UInt8], padding: [UInt8], to writer: FileWriter?, writeRow: (ConnectorObject, inout [UInt8]) -> Void
    ) {
        let lineEnding = self.lineEnding
        // The changed rows' bytes, in file order, and the size of the whole file.
        var fresh: [UInt8] = []
        var freshEnds: [Int] = []
        var total = prefix.count
        for position in rows.indices {
            guard let row = rows[position] else { continue }
            if let raw = row.raw {
                total += raw.count + padding.count + lineEnding.count
            } else {
                let start = fresh.count
                writeRow(row.object, &fresh)
                freshEnds.append(fresh.count)
                total += fresh.count - start + lineEnding.count
            }
        }
        let source = self.source
        let output = [UInt8](unsafeUninitializedCapacity: total) { buffer, initialized in
            let output = UnsafeMutableRawBufferPointer(buffer)
            var filled = 0
            var handedOut = 0
            func put(_ bytes: UnsafeRawBufferPointer) {
                output.baseAddress!.advanced(by: filled).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
                filled += bytes.count
            }
            func handOut(atLeast size: Int) {
                guard filled - handedOut >= size else { return }
                writer?.write(UnsafeRawBufferPointer(rebasing: output[handedOut..<filled]))
                handedOut = filled
            }
            source.withUnsafeBytes { source in
                fresh.withUnsafeBytes { fresh in
                    lineEnding.withUnsafeBytes { ending in
                        padding.withUnsafeBytes { padding in
                            prefix.withUnsafeBytes { put($0) }
                            // Unchanged rows not yet copied: their bytes in the source, and where they go.
                            var run = 0..<0
                            var runOutput = 0
                            func flush() {
                                if !run.isEmpty { put(UnsafeRawBufferPointer(rebasing: source[run])) }
                                run = 0..<0
                                handOut(atLeast: Self.writePieceBytes)
                            }
                            func followedByLineEnding(_ end: Int) -> Bool {
                                guard end + ending.count <= source.count else { return false }
                                for offset in 0..<ending.count where source[end + offset] != ending[offset] {
                                    return false
                                }
                                return true
                            }
                            var freshIndex = 0
                            var freshStart = 0
                            for position in rows.indices {
                                guard let raw = rows[position].map({ $0.raw }) else { continue }
                                if let raw, padding.isEmpty {
                                    if run.isEmpty || run.upperBound != raw.lowerBound
                                        || run.count >= Self.writePieceBytes
                                    {
                                        flush()
                                        run = raw.lowerBound..<raw.lowerBound
                                        runOutput = filled
                                    }
                                    let start = runOutput + (raw.lowerBound - run.lowerBound)
                                    rows[position]!.raw = start..<start + raw.count
                                    if followedByLineEnding(raw.upperBound) {
                                        run = run.lowerBound..<raw.upperBound + ending.count
                                    } else {
                                        run = run.lowerBound..<raw.upperBound
                                        flush()
                                        put(ending)
                                    }
                                    continue
                                }
                                flush()
                                let start = filled
                                if let raw {
                                    put(UnsafeRawBufferPointer(rebasing: source[raw]))
                                    put(padding)
                                } else {
                                    let end = freshEnds[freshIndex]
                                    put(UnsafeRawBufferPointer(rebasing: fresh[freshStart..<end]))
                                    freshIndex += 1
                                    freshStart = end
                                    // Written, the row's values are its bytes: it keeps only its anchor, as
                                    // a row read without decoding, so a kept table of a large export does
                                    // not hold every object it wrote.
                                    rows[position]!.dropValues()
                                }
                                rows[position]!.raw = start..<filled
                                put(ending)
                            }
                            flush()
                        }
                    }
                }
            }
            precondition(filled == total, "the rows' sizes changed while they were written")
            handOut(atLeast: 1)
            // The writer reads these bytes until it is done; they must not move before.
            _ = writer?.waitUntilWritten()
            initialized = total
        }
        self.source = output
    }

    /// How many bytes the file's writer is given at a time: large enough that each write and write-back request
    /// is cheap, small enough that the disk starts early.
    static var writePieceBytes: Int { 8 << 20 }
}
