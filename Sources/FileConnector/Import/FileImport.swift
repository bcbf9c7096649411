import ConnectorKit

/// One import of a file: every row (full), or the difference between the file and the engine's connector space
/// (delta), made a page at a time as the engine asks for it (``next()``).
///
/// The file is read and checked before the first batch (its syntax, every row's anchor, duplicate anchors),
/// without decoding values. Values are decoded a page at a time, so at most one page of objects is alive: a
/// million-row import holds the file's bytes and where each row is, not a million objects. A value that does not
/// decode fails the import at its page; the engine commits an import only when its stream has ended, so the
/// batches before it are lost, not half-applied.
///
/// A delta from the watermark of this connector's last import reads only what changed: nothing if the file
/// still has the version it had then (see ``ImportedRows/stableVersion``); otherwise the file is hashed row by
/// row on one core while its watermark is computed on the other, and only the rows whose bytes changed are
/// decoded (unless most of a large file changed, see ``readsWholeFile(changedBytes:fileBytes:)``). The rows are remembered for the next delta only once the last batch is made.
struct FileImport {
    let settings: FileConnectorSettings
    /// The rows of the connector's last import, for delta imports that read only changed rows.
    let cache: ImportedRowsCache
    let request: ImportRequest
    private var stage = Stage.start

    init(settings: FileConnectorSettings, cache: ImportedRowsCache, request: ImportRequest) {
        self.settings = settings
        self.cache = cache
        self.request = request
    }

    private enum Stage {
        case start
        case paging(Paging)
        case finished
    }

    /// Rows read without their values, handed out a page at a time.
    private struct Paging {
        /// The rows: the whole file's, or only the changed rows' (read as a file of their own).
        var table: FileTable
        /// The next row to decode.
        var position = 0
        /// Whether only rows that differ from the connector space are returned (delta).
        let compares: Bool
        /// The deletes that follow the rows; `nil` until they are known (a delta by difference finds them
        /// once every row is read).
        var deletes: [ImportBatch.Item]?
        var deletesReturned = 0
        let watermark: Watermark
        let isComplete: Bool
        /// What to remember for the next delta once the last batch is made.
        var remember: Remember
    }

    private enum Remember {
        /// The rows of the whole file just read.
        case table(stableVersion: FileStorage.Version?)
        /// The rows remembered before, updated with the changed rows (``ImportedRows/update``).
        case changed(
            ImportedRows, ImportedRows.Match, missing: [Int], changedAnchors: [Anchor],
            stableVersion: FileStorage.Version?)
    }

    /// The next batch, or `nil` after the last (which carries the watermark).
    mutating func next() throws -> ImportBatch? {
        switch stage {
        case .finished:
            return nil
        case .start:
            switch try begin() {
            case .batch(let batch):
                stage = .finished
                return batch
            case .paging(let paging):
                stage = .paging(paging)
                return try next()
            }
        case .paging(var paging):
            stage = .finished  // unless the page is made: an import that failed is not taken up again
            let batch = try page(&paging)
            if batch.watermark == nil { stage = .paging(paging) }
            return batch
        }
    }

    private enum Beginning {
        case batch(ImportBatch)
        case paging(Paging)
    }

    /// Reads and checks the file, or finds that a delta has nothing to read.
    private func begin() throws -> Beginning {
        var remembered: ImportedRows?
        if case .delta(let previous) = request.mode {
            remembered = cache.take(for: previous)
            if let rows = remembered, let stable = rows.stableVersion, try FileStorage.version(settings.path) == stable
            {
                cache.store(rows)
                cache.deltasWithoutReading.add(1, ordering: .relaxed)
                return .batch(ImportBatch(items: [], watermark: previous))
            }
        }
        let readStarted = FileStorage.now()
        let contents = try FileStorage.load(settings.path)
        // Only a file last modified well before it was read can be trusted to change its version on any later
        // write (timestamps are coarse: a write in the same tick as the read could keep the version).
        let stableVersion = contents.version.modifiedSeconds < readStarted - 2 ? contents.version : nil
        let bytes = contents.bytes
        let settings = self.settings
        let (watermarkText, match) = Parallel.both(
            { Self.watermark(of: bytes, settings: settings) },
            { [remembered] () -> ImportedRows.Match? in
                guard let remembered else { return nil }
                return bytes.withUnsafeBufferPointer { buffer in
                    guard let split = settings.fileFormat.rowRanges(buffer) else { return nil }
                    return remembered.match(buffer, header: split.header, rows: split.rows)
                }
            })
        let watermark = Watermark(watermarkText)
        if case .delta(let previous) = request.mode, previous == watermark {
            if var rows = remembered.take() {
                rows.stableVersion = stableVersion
                cache.store(rows)
            }
            return .batch(ImportBatch(items: [], watermark: watermark))
        }
        if let match, !Self.readsWholeFile(changedBytes: match.changedBytes, fileBytes: bytes.count),
            let imported = remembered.take(),
            let paging = changedRows(
                bytes, match, imported, watermark: watermark, stableVersion: stableVersion)
        {
            cache.deltasFromRememberedRows.add(1, ordering: .relaxed)
            return .paging(paging)
        }
        let table = try settings.fileFormat.read(bytes, decodingValues: false)
        return .paging(
            Paging(
                table: table, compares: request.mode != .full, deletes: request.mode == .full ? [] : nil,
                watermark: watermark, isComplete: request.mode == .full,
                remember: .table(stableVersion: stableVersion)))
    }

    /// Whether a delta whose changed rows hold `changedBytes` of a file of `fileBytes` reads every row instead of
    /// copying the changed ones out. When most of a large file changed (the first import after an export that
    /// wrote every row), the copy would be most of the file, held beside it until paging starts: 390 MB more
    /// for a million accounts. Reading every row then costs at most twice the decoding, and no copy.
    static func readsWholeFile(changedBytes: Int, fileBytes: Int) -> Bool {
        changedBytes > largestChangedRowsCopy && changedBytes > fileBytes / 2
    }

    /// The changed rows of a delta are copied out of the file up to this many bytes whatever the file's size.
    static var largestChangedRowsCopy: Int { 16 << 20 }

    /// The delta from the last import, reading only the rows whose bytes changed (`match`): the same items as
    /// comparing every row would give. `nil` when the rows cannot be matched cheaply (a row or anchor twice,
    /// a changed row that does not split or has no anchor): then the whole file is read, which reports any
    /// problem with its line. A value that does not decode fails at its page (see ``page(_:)``).
    private func changedRows(
        _ source: [UInt8], _ match: ImportedRows.Match, _ imported: ImportedRows, watermark: Watermark,
        stableVersion: FileStorage.Version?
    ) -> Paging? {
        let format = settings.fileFormat
        // The changed rows, after the header, read as a file of their own.
        var partial: [UInt8] = []
        source.withUnsafeBufferPointer { bytes in
            if !imported.header.isEmpty {
                partial += imported.header
                partial.append(0x0A)
            }
            for row in match.changed {
                partial += UnsafeBufferPointer(rebasing: bytes[row.range])
                partial.append(0x0A)
            }
        }
        guard let table = try? format.read(partial, decodingValues: false), table.rows.count == match.changed.count
        else { return nil }
        var changedAnchors: [Anchor] = []
        changedAnchors.reserveCapacity(table.rows.count)
        for row in table.rows {
            guard let anchor = row?.object.anchor else { return nil }
            // An anchor moved to a changed row while an unchanged row still holds it: the file has it twice.
            if let position = imported.position(of: anchor), match.unchanged[position] { return nil }
            changedAnchors.append(anchor)
        }
        let changedSet = Set(changedAnchors)
        let missing = imported.missing(match)
        var deleted: [Anchor] = []
        for position in missing {
            if let anchor = imported.anchors[position], !changedSet.contains(anchor) { deleted.append(anchor) }
        }
        let space = request.connectorSpace
        let deletes = deleted.sorted().map { anchor in
            ImportBatch.Item.change(
                .delete(anchor: anchor, objectType: space.object(anchor)?.objectType ?? settings.objectType))
        }
        return Paging(
            table: table, compares: true, deletes: deletes, watermark: watermark, isComplete: false,
            remember: .changed(
                imported, match, missing: missing, changedAnchors: changedAnchors, stableVersion: stableVersion))
    }

    /// The next page: rows decoded until a page is full, then the deletes; the last page carries the watermark
    /// and the rows are remembered.
    private func page(_ paging: inout Paging) throws -> ImportBatch {
        let pageSize = settings.pageSize
        let space = request.connectorSpace
        var items: [ImportBatch.Item] = []
        items.reserveCapacity(min(pageSize, paging.table.rows.count - paging.position))
        let rows = paging.table.rows.count
        while items.count < pageSize && paging.position < rows {
            let end = min(paging.position + pageSize - items.count, rows)
            do {
                try settings.fileFormat.decode(paging.position..<end, of: paging.table) { object in
                    if paging.compares, let held = space.object(object.anchor), Self.same(held, object) { return }
                    items.append(.object(object))
                }
            } catch {
                guard case .changed = paging.remember else { throw error }
                // A changed row was read as a file of its own, so the error's line is among the changed rows:
                // the whole file, read again, names the row's line in it.
                _ = try settings.fileFormat.read(try FileStorage.load(settings.path).bytes, decodingValues: true)
                throw ConnectorError(
                    .transient, "\(settings.path) changed while it was being imported; import it again")
            }
            paging.position = end
        }
        if paging.position == rows && paging.deletes == nil {
            var deletes: [ImportBatch.Item] = []
            for anchor in space.anchors() where paging.table.index[anchor] == nil {
                let type = space.object(anchor)?.objectType ?? settings.objectType
                deletes.append(.change(.delete(anchor: anchor, objectType: type)))
            }
            paging.deletes = deletes
        }
        if let deletes = paging.deletes, items.count < pageSize {
            let taken = min(pageSize - items.count, deletes.count - paging.deletesReturned)
            items += deletes[paging.deletesReturned..<paging.deletesReturned + taken]
            paging.deletesReturned += taken
        }
        guard paging.position == rows, paging.deletesReturned == paging.deletes?.count else {
            return ImportBatch(items: items)
        }
        remember(paging)
        return ImportBatch(items: items, watermark: paging.watermark, isComplete: paging.isComplete)
    }

    /// Keeps the rows just read for the next delta import.
    private func remember(_ paging: Paging) {
        switch paging.remember {
        case .table(let stableVersion):
            var rows = ImportedRows(table: paging.table, watermark: paging.watermark)
            rows?.stableVersion = stableVersion
            cache.store(rows)
        case .changed(var imported, let match, let missing, let changedAnchors, let stableVersion):
            // Fails only when two anchors' hashes collide: the rows are then not remembered.
            if imported.update(match, missing: missing, changedAnchors: changedAnchors, watermark: paging.watermark) {
                imported.stableVersion = stableVersion
                cache.store(imported)
            } else {
                cache.store(nil)
            }
        }
    }

    /// Whether two objects hold the same type and values; the order of multiple values does not matter.
    static func same(_ a: ConnectorObject, _ b: ConnectorObject) -> Bool {
        guard a.objectType == b.objectType, a.attributes.count == b.attributes.count else { return false }
        for (name, values) in a.attributes {
            guard let other = b.attributes[name] else { return false }
            if values != other && (values.count != other.count || values.sorted() != other.sorted()) { return false }
        }
        return true
    }

    /// `file:v1:` and a 64-bit FNV-1a hash of the settings that shape reading and of the file's bytes, and
    /// its size: a delta from this watermark is empty while neither changes. FNV-1a goes byte by byte (its
    /// value is in every journal, so it stays): on a large file it runs beside the row hashing.
    static func watermark(of bytes: [UInt8], settings: FileConnectorSettings) -> String {
        let prime: UInt64 = 0x0000_0100_0000_01b3
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in settings.fingerprint.utf8 { hash = (hash ^ UInt64(byte)) &* prime }
        hash = (hash ^ 0) &* prime
        bytes.withUnsafeBufferPointer { buffer in
            for byte in buffer { hash = (hash ^ UInt64(byte)) &* prime }
        }
        let hex = String(hash, radix: 16)
        return "file:v1:\(bytes.count):" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
