import ConnectorKit

/// One import of a file: every row (full), or the difference between the file and the engine's connector space
/// (delta).
struct FileImport {
    let settings: FileConnectorSettings
    /// The rows of the connector's last import, for delta imports that read only changed rows.
    var cache = ImportedRowsCache()

    /// The batches of the import, the last one carrying the watermark. The whole file is read and checked
    /// before the first batch, so a bad row fails the import before anything is imported.
    func batches(for request: ImportRequest) throws -> [ImportBatch] {
        let contents = try FileStorage.load(settings.path)
        let watermark = Watermark(self.watermark(of: contents.bytes))
        if case .delta(let previous) = request.mode, previous == watermark {
            return [ImportBatch(items: [], watermark: watermark)]
        }
        var pager = Pager(pageSize: settings.pageSize)
        if case .delta(let previous) = request.mode, let imported = cache.rows(for: previous),
            let delta = changedRows(
                contents.bytes, since: imported, watermark: watermark, space: request.connectorSpace)
        {
            for item in delta.items { pager.append(item) }
            cache.store(delta.rows)
            cache.deltasFromRememberedRows.add(1, ordering: .relaxed)
            return pager.finish(watermark: watermark, isComplete: false)
        }
        cache.store(nil)
        let table = try settings.fileFormat.read(contents.bytes, decodingValues: true)
        switch request.mode {
        case .full:
            for case let row? in table.rows { pager.append(.object(row.object)) }
        case .delta:
            difference(table, request.connectorSpace) { pager.append($0) }
        }
        cache.store(ImportedRows(table: table, watermark: watermark))
        return pager.finish(watermark: watermark, isComplete: request.mode == .full)
    }

    /// The delta from the last import, reading only the rows whose bytes changed: the same items as
    /// ``difference(_:_:_:)`` would give, and the rows to remember for the next delta. `nil` when the rows
    /// cannot be matched cheaply (a changed header, a row or anchor twice, a row that does not read): then the
    /// whole file is read, which reports any problem with its line.
    func changedRows(
        _ source: [UInt8], since imported: ImportedRows, watermark: Watermark, space: any ConnectorSpaceView
    ) -> (items: [ImportBatch.Item], rows: ImportedRows)? {
        let format = settings.fileFormat
        return source.withUnsafeBufferPointer { bytes -> (items: [ImportBatch.Item], rows: ImportedRows)? in
            guard let split = format.rowRanges(bytes) else { return nil }
            let header = split.header.map { Array(bytes[$0]) } ?? []
            guard header == imported.header else { return nil }
            var next = ImportedRows(watermark: watermark, header: header)
            next.rows.reserveCapacity(split.rows.count)
            next.anchors.reserveCapacity(split.rows.count)
            var unchanged = [Bool](repeating: false, count: imported.anchors.count)
            var changed: [(range: Range<Int>, key: ImportedRows.Key)] = []
            for range in split.rows {
                let key = ImportedRows.key(UnsafeBufferPointer(rebasing: bytes[range]))
                if let position = imported.rows[key] {
                    guard !unchanged[position], next.add(key, imported.anchors[position]) else { return nil }
                    unchanged[position] = true
                } else {
                    changed.append((range, key))
                }
            }
            // The changed rows, after the header, read as a file of their own.
            var partial: [UInt8] = []
            if let range = split.header {
                partial += bytes[range]
                partial.append(0x0A)
            }
            for row in changed {
                partial += bytes[row.range]
                partial.append(0x0A)
            }
            guard let table = try? format.read(partial, decodingValues: true), table.rows.count == changed.count
            else { return nil }
            var items: [ImportBatch.Item] = []
            var changedAnchors = Set<Anchor>()
            for (row, changedRow) in zip(table.rows, changed) {
                guard let object = row?.object, next.add(changedRow.key, object.anchor) else { return nil }
                changedAnchors.insert(object.anchor)
                if let held = space.object(object.anchor), Self.same(held, object) { continue }
                items.append(.object(object))
            }
            var deleted: [Anchor] = []
            for (position, anchor) in imported.anchors.enumerated() {
                if unchanged[position] {
                    if changedAnchors.contains(anchor) { return nil }  // an anchor on two rows
                } else if !changedAnchors.contains(anchor) {
                    deleted.append(anchor)
                }
            }
            for anchor in deleted.sorted() {
                let type = space.object(anchor)?.objectType ?? settings.objectType
                items.append(.change(.delete(anchor: anchor, objectType: type)))
            }
            return (items, next)
        }
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
    /// its size: a delta from this watermark is empty while neither changes.
    func watermark(of bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        for byte in settings.fingerprint.utf8 { mix(byte) }
        mix(0)
        bytes.withUnsafeBufferPointer { buffer in
            for byte in buffer { mix(byte) }
        }
        let hex = String(hash, radix: 16)
        return "file:v1:\(bytes.count):" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
