import ConnectorKit

/// One import of a file: every row (full), or the difference between the file and the engine's connector space
/// (delta), made a page at a time as the engine asks for it (``next()``).
///
/// The file is read and checked before the first batch (its syntax, every row's anchor, duplicate anchors),
/// without decoding values. Values are decoded a page at a time, so at most one page of objects is alive. A JSON
/// Lines file is scanned a chunk at a time and each page read again from the file, so a million-row import holds
/// where each row is, not the file's bytes and not a million objects; a CSV file is held whole (a quoted field
/// may hold line feeds, so it cannot be cut at one). A value that does not decode fails the import at its page;
/// the engine commits an import only when its stream has ended, so the batches before it are lost, not
/// half-applied.
///
/// A delta from the watermark of this connector's last import reads only what changed: nothing if the file
/// still has the version it had then (see ``ImportedRows/stableVersion``); otherwise the file's rows are hashed
/// (a CSV file's on one core while its watermark is computed on the other, a JSON Lines file's as it is scanned)
/// and only the rows whose bytes changed are decoded, unless most of a large file changed (see
/// ``readsWholeFile(changedBytes:fileBytes:)``). The rows are remembered for the next delta only once the last
/// batch is made.
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
        /// The file the rows are decoded from, page by page, when the table holds no bytes (a scanned JSON Lines
        /// file); `nil` when it does.
        var file: FileReader? = nil
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
        /// The rows of the whole file just scanned, whose bytes have these hashes (see ``ScannedFile``).
        case scanned(keys: [UInt64], stableVersion: FileStorage.Version?)
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
        if settings.format == .jsonl { return try scan(remembered, readStarted: readStarted) }
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
            let paging = try changedRows(
                .bytes(bytes), match, imported, watermark: watermark, stableVersion: stableVersion)
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

    /// ``begin()`` for a JSON Lines file: it is read a chunk at a time (``JSONLinesFormat/scan(_:chunkBytes:)``)
    /// and its pages are read again from the file, so the import never holds the whole file. The file stays
    /// open until the last page, which checks that it was not changed in place meanwhile (one replaced by a
    /// rename is still the file opened).
    private func scan(_ remembered: ImportedRows?, readStarted: Int64) throws -> Beginning {
        var remembered = remembered
        let file = try FileReader(settings.path)
        let scanned = try JSONLinesFormat(settings: settings).scan(file)
        let version = file.status.version
        let stableVersion = version.modifiedSeconds < readStarted - 2 ? version : nil
        let watermark = Watermark(scanned.watermark)
        if case .delta(let previous) = request.mode, previous == watermark {
            if var rows = remembered.take() {
                rows.stableVersion = stableVersion
                cache.store(rows)
            }
            return .batch(ImportBatch(items: [], watermark: watermark))
        }
        let rows = zip(scanned.table.rows.lazy.map { $0!.raw! }, scanned.keys)
        if let match = remembered?.match(rows),
            !Self.readsWholeFile(changedBytes: match.changedBytes, fileBytes: Int(version.size)),
            let imported = remembered.take(),
            let paging = try changedRows(
                .file(file), match, imported, watermark: watermark, stableVersion: stableVersion)
        {
            cache.deltasFromRememberedRows.add(1, ordering: .relaxed)
            return .paging(paging)
        }
        return .paging(
            Paging(
                table: scanned.table, file: file, compares: request.mode != .full,
                deletes: request.mode == .full ? [] : nil, watermark: watermark, isComplete: request.mode == .full,
                remember: .scanned(keys: scanned.keys, stableVersion: stableVersion)))
    }

    /// Where the rows of a changed-rows delta are copied from.
    private enum RowSource {
        case bytes([UInt8])
        case file(FileReader)

        func append(_ range: Range<Int>, to bytes: inout [UInt8]) throws {
            switch self {
            case .bytes(let source):
                source.withUnsafeBufferPointer { bytes += UnsafeBufferPointer(rebasing: $0[range]) }
            case .file(let file):
                let start = bytes.count
                bytes.append(contentsOf: repeatElement(0, count: range.count))
                try bytes.withUnsafeMutableBytes { buffer in try file.copy(range, to: buffer.baseAddress! + start) }
            }
        }
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
        _ source: RowSource, _ match: ImportedRows.Match, _ imported: ImportedRows, watermark: Watermark,
        stableVersion: FileStorage.Version?
    ) throws -> Paging? {
        let format = settings.fileFormat
        // The changed rows, after the header, read as a file of their own.
        var partial: [UInt8] = []
        partial.reserveCapacity(match.changedBytes + match.changed.count + imported.header.count + 1)
        if !imported.header.isEmpty {
            partial += imported.header
            partial.append(0x0A)
        }
        for row in match.changed {
            try source.append(row.range, to: &partial)
            partial.append(0x0A)
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
            let compares = paging.compares
            func take(_ object: ConnectorObject) {
                if compares, let held = space.object(object.anchor), Self.same(held, object) { return }
                items.append(.object(object))
            }
            do {
                if let file = paging.file {
                    // The page's rows are read from the file as one range.
                    let span = paging.table.span(of: paging.position..<end) ?? 0..<0
                    let bytes = try file.bytes(in: span)
                    try bytes.withUnsafeBufferPointer { bytes in
                        try settings.fileFormat.decode(
                            paging.position..<end, of: paging.table, from: bytes, offset: span.lowerBound, take)
                    }
                } else {
                    try settings.fileFormat.decode(paging.position..<end, of: paging.table, take)
                }
            } catch {
                // A row that checked when the file was scanned and fails now: the file was changed in place.
                try paging.file?.checkUnchanged()
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
        // The rows decoded were the rows scanned only if the file was not changed in place meanwhile.
        try paging.file?.checkUnchanged()
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
        case .scanned(let keys, let stableVersion):
            var rows = ImportedRows(table: paging.table, keys: keys, watermark: paging.watermark)
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

    /// The watermark of a file's `bytes` read with `settings` (see ``FileWatermark``).
    static func watermark(of bytes: [UInt8], settings: FileConnectorSettings) -> String {
        var watermark = FileWatermark(settings: settings)
        bytes.withUnsafeBufferPointer { watermark.add($0) }
        return watermark.text(byteCount: bytes.count)
    }
}
