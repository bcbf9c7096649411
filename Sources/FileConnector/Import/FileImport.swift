import ConnectorKit

/// One import of a file: every row (full), or the difference between the file and the engine's connector space
/// (delta).
struct FileImport {
    let settings: FileConnectorSettings
    /// The rows of the connector's last import, for delta imports that read only changed rows.
    var cache = ImportedRowsCache()

    /// The batches of the import, the last one carrying the watermark. The whole file is read and checked
    /// before the first batch, so a bad row fails the import before anything is imported.
    ///
    /// A delta from the watermark of this connector's last import reads only what changed: nothing if the file
    /// still has the version it had then (see ``ImportedRows/stableVersion``); otherwise the file is hashed
    /// row by row on one core while its watermark is computed on the other, and only the rows whose bytes
    /// changed are decoded.
    func batches(for request: ImportRequest) throws -> [ImportBatch] {
        var remembered: ImportedRows?
        if case .delta(let previous) = request.mode {
            remembered = cache.take(for: previous)
            if let rows = remembered, let stable = rows.stableVersion, try FileStorage.version(settings.path) == stable
            {
                cache.store(rows)
                cache.deltasWithoutReading.add(1, ordering: .relaxed)
                return [ImportBatch(items: [], watermark: previous)]
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
            return [ImportBatch(items: [], watermark: watermark)]
        }
        var pager = Pager(pageSize: settings.pageSize)
        if let match, var imported = remembered.take(),
            let items = changedRows(bytes, match, &imported, watermark: watermark, space: request.connectorSpace)
        {
            for item in items { pager.append(item) }
            imported.stableVersion = stableVersion
            cache.store(imported)
            cache.deltasFromRememberedRows.add(1, ordering: .relaxed)
            return pager.finish(watermark: watermark, isComplete: false)
        }
        let table = try settings.fileFormat.read(bytes, decodingValues: true)
        switch request.mode {
        case .full:
            for case let row? in table.rows { pager.append(.object(row.object)) }
        case .delta:
            difference(table, request.connectorSpace) { pager.append($0) }
        }
        var rows = ImportedRows(table: table, watermark: watermark)
        rows?.stableVersion = stableVersion
        cache.store(rows)
        return pager.finish(watermark: watermark, isComplete: request.mode == .full)
    }

    /// The delta from the last import, decoding only the rows whose bytes changed (`match`): the same items
    /// as ``difference(_:_:_:)`` would give. `imported` becomes the rows to remember for the next delta.
    /// `nil` when the rows cannot be matched cheaply (a row or anchor twice, a row that does not read): then
    /// the whole file is read, which reports any problem with its line.
    func changedRows(
        _ source: [UInt8], _ match: ImportedRows.Match, _ imported: inout ImportedRows, watermark: Watermark,
        space: any ConnectorSpaceView
    ) -> [ImportBatch.Item]? {
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
        guard let table = try? format.read(partial, decodingValues: true), table.rows.count == match.changed.count
        else { return nil }
        var items: [ImportBatch.Item] = []
        var changedAnchors: [Anchor] = []
        changedAnchors.reserveCapacity(table.rows.count)
        for row in table.rows {
            guard let object = row?.object else { return nil }
            // An anchor moved to a changed row while an unchanged row still holds it: the file has it twice.
            if let position = imported.position(of: object.anchor), match.unchanged[position] { return nil }
            changedAnchors.append(object.anchor)
            if let held = space.object(object.anchor), Self.same(held, object) { continue }
            items.append(.object(object))
        }
        let changedSet = Set(changedAnchors)
        let missing = imported.missing(match)
        var deleted: [Anchor] = []
        for position in missing {
            if let anchor = imported.anchors[position], !changedSet.contains(anchor) { deleted.append(anchor) }
        }
        for anchor in deleted.sorted() {
            let type = space.object(anchor)?.objectType ?? settings.objectType
            items.append(.change(.delete(anchor: anchor, objectType: type)))
        }
        if !imported.update(match, missing: missing, changedAnchors: changedAnchors, watermark: watermark) {
            return nil
        }
        return items
    }

    /// Collects items into batches of a page each.
    struct Pager {
        let pageSize: Int
        var batches: [ImportBatch] = []
        var items: [ImportBatch.Item] = []

        init(pageSize: Int) {
            self.pageSize = pageSize
            items.reserveCapacity(pageSize)
        }

        mutating func append(_ item: ImportBatch.Item) {
            items.append(item)
            if items.count == pageSize {
                batches.append(ImportBatch(items: items))
                items = []
                items.reserveCapacity(pageSize)
            }
        }

        /// The batches; the last (which may be empty) carries the watermark.
        mutating func finish(watermark: Watermark, isComplete: Bool) -> [ImportBatch] {
            if items.isEmpty, var last = batches.popLast() {
                last.watermark = watermark
                last.isComplete = isComplete
                batches.append(last)
            } else {
                batches.append(ImportBatch(items: items, watermark: watermark, isComplete: isComplete))
            }
            return batches
        }
    }

    /// Rows that are new or differ from what the connector space holds (as whole objects), in file order, then a
    /// delete for each object held that the file no longer has, in anchor order.
    func difference(_ table: FileTable, _ space: any ConnectorSpaceView, _ emit: (ImportBatch.Item) -> Void) {
        for case let row? in table.rows {
            if let held = space.object(row.object.anchor), Self.same(held, row.object) { continue }
            emit(.object(row.object))
        }
        for anchor in space.anchors() where table.index[anchor] == nil {
            let type = space.object(anchor)?.objectType ?? settings.objectType
            emit(.change(.delete(anchor: anchor, objectType: type)))
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
