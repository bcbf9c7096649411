import ConnectorKit
import Synchronization

/// What the last import of a file delivered, row by row, so that a delta import can skip the rows whose
/// bytes did not change without parsing them again.
///
/// It is valid for exactly one watermark: the engine's connector space holds what the import that returned
/// that watermark delivered, so a later delta import from the same watermark (and only that one) may take a
/// row whose bytes are unchanged to be unchanged in the space too. Rows are identified by a 64-bit hash of
/// their bytes and their length; two different rows of the same length colliding would hide a change, with a
/// probability of about one in 10¹³ for a million changed rows in a million-row file.
struct ImportedRows {
    struct Key: Hashable {
        var hash: Int
        var length: Int
    }

    /// The watermark returned with these rows.
    var watermark: Watermark
    /// The CSV header's bytes (empty for JSON Lines): a changed header means every row must be read again.
    var header: [UInt8]
    /// Each row's position in ``anchors``, by its bytes' key.
    var rows: [Key: Int] = [:]
    /// The anchor of each row.
    var anchors: [Anchor] = []

    init(watermark: Watermark, header: [UInt8]) {
        self.watermark = watermark
        self.header = header
    }

    static func key(_ bytes: UnsafeBufferPointer<UInt8>) -> Key {
        var hasher = Hasher()
        hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
        return Key(hash: hasher.finalize(), length: bytes.count)
    }

    /// Adds a row; `false` if a row with the same bytes is already there.
    mutating func add(_ key: Key, _ anchor: Anchor) -> Bool {
        guard rows[key] == nil else { return false }
        rows[key] = anchors.count
        anchors.append(anchor)
        return true
    }

    /// The rows of `table`, read from `source`.
    init(table: FileTable, watermark: Watermark) {
        self.init(watermark: watermark, header: table.headerRaw.map { Array(table.source[$0]) } ?? [])
        rows.reserveCapacity(table.rows.count)
        anchors.reserveCapacity(table.rows.count)
        table.source.withUnsafeBufferPointer { bytes in
            for case let row? in table.rows {
                guard let raw = row.raw else { continue }
                _ = add(Self.key(UnsafeBufferPointer(rebasing: bytes[raw])), row.object.anchor)
            }
        }
    }
}

/// The rows of a connector's last import, kept between imports by one connector instance (so a long-running
/// engine reads only the changed rows of a large file; a new process reads the whole file once).
final class ImportedRowsCache: Sendable {
    private let rows = Mutex<ImportedRows?>(nil)
    /// How many delta imports read only their changed rows (for tests).
    let deltasFromRememberedRows = Atomic<Int>(0)

    init() {}

    /// The rows, if they were returned with `watermark`.
    func rows(for watermark: Watermark) -> ImportedRows? {
        rows.withLock { $0?.watermark == watermark ? $0 : nil }
    }

    func store(_ imported: ImportedRows?) {
        rows.withLock { $0 = imported }
    }
}
