import ConnectorKit

/// A JSON Lines file read a chunk at a time: its rows (anchors and places, no values), each row's hash and the
/// file's watermark, without ever holding the whole file. A JSON Lines row is one line, so a chunk cut after a
/// line feed holds whole rows and whole UTF-8 characters.
struct ScannedFile {
    /// The rows, read without values; the table holds no bytes (``FileTable/source`` is empty).
    var table: FileTable
    /// The hash of each row's bytes (``RowHash``), in the order of the table's rows.
    var keys: [UInt64]
    /// The file's watermark (``FileImport/watermark(of:settings:)``).
    var watermark: String
}

extension JSONLinesFormat {
    /// The chunk a scan reads at a time (a line longer than this is read whole).
    static var scanChunkBytes: Int { 8 << 20 }

    /// Reads `file` a chunk at a time, checking every row as ``read(_:decodingValues:)`` does (and reporting
    /// the first problem in the file's order). Throws a transient error if the file changes while it is read.
    func scan(_ file: FileReader, chunkBytes: Int = scanChunkBytes) throws -> ScannedFile {
        var table = FileTable(source: [])
        var keys: [UInt64] = []
        var watermark = FileWatermark(settings: settings)
        let size = Int(file.status.version.size)
        // The lines not read yet: the end of the last chunk's last line, then the next chunk.
        var pending: [UInt8] = []
        pending.reserveCapacity(min(size, chunkBytes) + 4096)
        var pendingOffset = 0  // where `pending` starts in the file
        var lines = 0
        var isFirst = true
        while true {
            let readFrom = pendingOffset + pending.count
            let count = min(chunkBytes, size - readFrom)
            if count > 0 {
                let old = pending.count
                pending.append(contentsOf: repeatElement(0, count: count))
                try pending.withUnsafeMutableBytes { buffer in
                    let chunk = UnsafeMutableRawBufferPointer(rebasing: buffer[old...])
                    try file.fill(chunk, from: readFrom)
                    watermark.add(UnsafeBufferPointer(chunk.bindMemory(to: UInt8.self)))
                }
            }
            let atEnd = readFrom + count == size
            guard let end = atEnd ? pending.count : pending.lastIndex(of: 0x0A).map({ $0 + 1 }) else {
                continue  // a line longer than a chunk: read on
            }
            try pending.withUnsafeBufferPointer { all in
                let whole = UnsafeBufferPointer(rebasing: all[..<end])
                try validate(whole, linesBefore: lines)
                var start = 0
                if isFirst {
                    let layout = FileTable.layout(of: whole)
                    (table.hasByteOrderMark, table.lineEnding, start) = (layout.bom, layout.lineEnding, layout.start)
                }
                lines += try readLines(
                    whole, from: start, offset: pendingOffset, linesBefore: lines, into: &table, decodingValues: false
                ) { keys.append(RowHash.hash($0)) }
            }
            if isFirst && !atEnd && end > 0 {
                // As many rows again per byte as the first chunk had, and a little more: no rehashing.
                let expected = Int(Double(table.rows.count) * Double(size) / Double(end) * 1.05) + 16
                table.reserveCapacity(rows: expected)
                keys.reserveCapacity(expected)
            }
            isFirst = false
            if atEnd { break }
            pending.removeSubrange(..<end)
            pendingOffset += end
        }
        try file.checkUnchanged()
        return ScannedFile(table: table, keys: keys, watermark: watermark.text(byteCount: size))
    }
}

/// `file:v1:`, the file's size and a 64-bit FNV-1a hash of the settings that shape reading and of the file's
/// bytes: a delta from this watermark is empty while neither changes. FNV-1a goes byte by byte (its value is in
/// every journal, so it stays), over the bytes in the order given.
struct FileWatermark {
    private static let prime: UInt64 = 0x0000_0100_0000_01b3
    private var hash: UInt64 = 0xcbf2_9ce4_8422_2325

    init(settings: FileConnectorSettings) {
        for byte in settings.fingerprint.utf8 { hash = (hash ^ UInt64(byte)) &* Self.prime }
        hash = (hash ^ 0) &* Self.prime
    }

    mutating func add(_ bytes: UnsafeBufferPointer<UInt8>) {
        var hash = self.hash
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* Self.prime }
        self.hash = hash
    }

    func text(byteCount: Int) -> String {
        let hex = String(hash, radix: 16)
        return "file:v1:\(byteCount):" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
