import ConnectorKit
import Synchronization

/// What the last import of a file delivered, row by row, so that a delta import can skip the rows whose
/// bytes did not change without parsing them again.
///
/// It is valid for exactly one watermark: the engine's connector space holds what the import that returned
/// that watermark delivered, so a later delta import from the same watermark (and only that one) may take a
/// row whose bytes are unchanged to be unchanged in the space too. Rows are identified by a 64-bit hash of
/// their bytes (``RowHash``, which includes their length); two different rows colliding would hide a change,
/// with a probability of about one in 10¹³ for a million changed rows in a million-row file.
///
/// Each row has a position: its anchor, its bytes' hash, and a slot in two hash maps (by the bytes' hash and
/// by the anchor's hash). A delta moves only the rows that changed: positions of deleted or changed rows are
/// freed and reused for the new ones, so the upkeep is in proportion to the change, not to the file.
struct ImportedRows: Sendable {
    /// The watermark returned with these rows.
    var watermark: Watermark
    /// The CSV header's bytes (empty for JSON Lines): a changed header means every row must be read again.
    var header: [UInt8]
    /// The version of the file the rows were read from, if it had not been modified for a while when it was
    /// read: any later write then gives it a later modification time, so while the file still has this
    /// version its bytes (and so the watermark) are the same and a delta import need not read it.
    var stableVersion: FileStorage.Version?
    /// The anchor of each position; `nil` for a free position.
    private(set) var anchors: [Anchor?] = []
    /// The hash of each position's bytes.
    private var rowKeys: [UInt64] = []
    /// The position of each row, by the hash of its bytes.
    private var byRow: HashSlots
    /// The position of each row, by the hash of its anchor.
    private var byAnchor: HashSlots
    /// Positions freed by the last delta, to be reused.
    private var free: [Int32] = []

    init(watermark: Watermark, header: [UInt8], capacity: Int = 0) {
        self.watermark = watermark
        self.header = header
        byRow = HashSlots(capacity: capacity)
        byAnchor = HashSlots(capacity: capacity)
        anchors.reserveCapacity(capacity)
        rowKeys.reserveCapacity(capacity)
    }

    /// The rows of `table`, read from its source; `nil` in the (about 2⁻⁶⁴) case of two anchors whose hashes
    /// collide.
    init?(table: FileTable, watermark: Watermark) {
        self.init(
            watermark: watermark, header: table.header,
            capacity: table.rows.count)
        let added = table.source.withUnsafeBufferPointer { bytes in
            for case let row? in table.rows {
                guard let raw = row.raw else { continue }
                guard add(RowHash.hash(UnsafeBufferPointer(rebasing: bytes[raw])), row.object.anchor) else {
                    return false
                }
            }
            return true
        }
        guard added else { return nil }
    }

    /// The rows of `table`, whose bytes have the hashes `keys` (one per row, in order; see ``ScannedFile``);
    /// `nil` in the (about 2⁻⁶⁴) case of two anchors whose hashes collide.
    init?(table: FileTable, keys: [UInt64], watermark: Watermark) {
        self.init(watermark: watermark, header: table.header, capacity: table.rows.count)
        for (row, key) in zip(table.rows, keys) {
            guard let row else { continue }
            guard add(key, row.object.anchor) else { return nil }
        }
    }

    /// Adds a row; `false` (and nothing changes) if a row with the same bytes or the same anchor hash is there.
    private mutating func add(_ key: UInt64, _ anchor: Anchor) -> Bool {
        let position = free.popLast() ?? Int32(anchors.count)
        guard byRow.insert(key, position) else {
            if position != anchors.count { free.append(position) }
            return false
        }
        guard byAnchor.insert(RowHash.hash(anchor.rawValue), position) else {
            byRow.remove(key)
            if position != anchors.count { free.append(position) }
            return false
        }
        if position == anchors.count {
            anchors.append(anchor)
            rowKeys.append(key)
        } else {
            anchors[Int(position)] = anchor
            rowKeys[Int(position)] = key
        }
        return true
    }

    /// Frees a row's position.
    private mutating func remove(at position: Int) {
        guard let anchor = anchors[position] else { return }
        byRow.remove(rowKeys[position])
        byAnchor.remove(RowHash.hash(anchor.rawValue))
        anchors[position] = nil
        free.append(Int32(position))
    }

    /// The position of the row holding `anchor`, or `nil` if no row does.
    func position(of anchor: Anchor) -> Int? {
        guard let position = byAnchor.position(of: RowHash.hash(anchor.rawValue)).map(Int.init),
            anchors[position] == anchor
        else { return nil }
        return position
    }

    /// Which rows of a new version of the file are unchanged.
    struct Match: Sendable {
        /// Whether the row at each position is unchanged (found again with the same bytes).
        var unchanged: [Bool]
        /// The rows not found, in file order: their bytes and their hash.
        var changed: [(range: Range<Int>, key: UInt64)] = []

        /// The bytes of the changed rows, without line endings.
        var changedBytes: Int { changed.reduce(0) { $0 + $1.range.count } }
    }

    /// Finds the rows of `split` (a new version of the file) that are unchanged; `nil` when the header changed
    /// or the same bytes appear on two rows (then the whole file must be read, which reports the problem).
    func match(
        _ bytes: UnsafeBufferPointer<UInt8>, header: Range<Int>?, rows: [Range<Int>]
    ) -> Match? {
        guard header.map({ bytes[$0].elementsEqual(self.header) }) ?? self.header.isEmpty else { return nil }
        return matchRows(rows.lazy.map { ($0, RowHash.hash(UnsafeBufferPointer(rebasing: bytes[$0]))) })
    }

    /// Finds the rows of a new version of a file without header (JSON Lines) that are unchanged, given each
    /// row's place and the hash of its bytes; `nil` when the same bytes appear on two rows.
    func match(_ rows: some Sequence<(Range<Int>, UInt64)>) -> Match? {
        guard header.isEmpty else { return nil }
        return matchRows(rows)
    }

    private func matchRows(_ rows: some Sequence<(Range<Int>, UInt64)>) -> Match? {
        var match = Match(unchanged: [Bool](repeating: false, count: anchors.count))
        for (range, key) in rows {
            if let position = byRow.position(of: key).map(Int.init) {
                guard !match.unchanged[position] else { return nil }
                match.unchanged[position] = true
            } else {
                match.changed.append((range, key))
            }
        }
        return match
    }

    /// The positions of rows that were not found unchanged by `match`.
    func missing(_ match: Match) -> [Int] {
        var positions: [Int] = []
        for position in anchors.indices where !match.unchanged[position] && anchors[position] != nil {
            positions.append(position)
        }
        return positions
    }

    /// Becomes the rows of the file `match` was made from: rows not found are removed, the changed rows
    /// (with their anchors) added. `false` if that fails (two anchors whose hashes collide): then the rows are
    /// unusable and must be dropped.
    mutating func update(_ match: Match, missing: [Int], changedAnchors: [Anchor], watermark: Watermark) -> Bool {
        self.watermark = watermark
        for position in missing { remove(at: position) }
        for (row, anchor) in zip(match.changed, changedAnchors) {
            guard add(row.key, anchor) else { return false }
        }
        return true
    }
}

/// The rows of a connector's last import, kept between imports by one connector instance (so a long-running
/// engine reads only the changed rows of a large file; a new process reads the whole file once).
final class ImportedRowsCache: Sendable {
    private let rows = Mutex<ImportedRows?>(nil)
    /// How many delta imports read only their changed rows (for tests).
    let deltasFromRememberedRows = Atomic<Int>(0)
    /// How many delta imports found the file's version unchanged and did not read it (for tests).
    let deltasWithoutReading = Atomic<Int>(0)

    init() {}

    /// The rows, if they were returned with `watermark`; they are no longer kept (an import that fails
    /// leaves nothing behind).
    func take(for watermark: Watermark) -> ImportedRows? {
        rows.withLock { kept in
            guard kept?.watermark == watermark else {
                kept = nil
                return nil
            }
            return kept.take()
        }
    }

    func store(_ imported: ImportedRows?) {
        rows.withLock { $0 = imported }
    }
}
