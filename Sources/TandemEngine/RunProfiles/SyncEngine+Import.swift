import ConnectorKit

extension SyncEngine {
    /// Imports a connector's objects into its connector space, one journal event per batch.
    /// Objects that did not change are not journaled. A full import deletes what it did not see.
    func importObjects(connector name: String, runID: UInt64, full: Bool, statistics: inout RunStatistics) async throws
    {
        let connector = try connector(name)
        let watermark = state.space(name).watermark
        let mode: ImportRequest.Mode = if !full, let watermark { .delta(watermark) } else { .full }
        let request = ImportRequest(mode: mode, connectorSpace: ConnectorSpaceSnapshot(space: state.space(name)))
        var seen = Set<Anchor>()
        var progress = ProgressReporter(
            connector: name, profile: full ? .fullImport : .deltaImport, stage: "importing", handler: progressHandler)
        var processed = 0
        for try await batch in connector.importObjects(request) {
            processed += batch.items.count
            progress.report(processed)
            var changes: [ConnectorSpaceChange] = []
            changes.reserveCapacity(batch.items.count)
            let space = state.space(name)
            for item in batch.items {
                switch item {
                case .object(let object), .change(.add(let object)):
                    seen.insert(object.anchor)
                    // Unchanged objects are not journaled, unless the import confirms an export to them.
                    if let existing = space.objects[object.anchor], !existing.isPendingAdd,
                        space.unconfirmedExports[object.anchor] == nil, existing.connectorObject == object
                    {
                        statistics.unchanged += 1
                        continue
                    }
                    if space.objects[object.anchor] == nil { statistics.adds += 1 } else { statistics.updates += 1 }
                    changes.append(.upsert(object))
                case .change(.update(let anchor, _, let attributeChanges)):
                    seen.insert(anchor)
                    guard space.objects[anchor] != nil else {
                        throw ConnectorError(
                            .protocolViolation, "delta import updates an object it never imported", anchor: anchor)
                    }
                    statistics.updates += 1
                    changes.append(.update(anchor: anchor, changes: attributeChanges))
                case .change(.rename(let anchor, _, let dn)):
                    seen.insert(anchor)
                    guard space.objects[anchor] != nil else {
                        throw ConnectorError(
                            .protocolViolation, "delta import renames an object it never imported", anchor: anchor)
                    }
                    statistics.renames += 1
                    changes.append(.rename(anchor: anchor, distinguishedName: dn))
                case .change(.delete(let anchor, _)):
                    guard space.objects[anchor] != nil else { continue }
                    statistics.deletes += 1
                    changes.append(.delete(anchor: anchor))
                }
            }
            if full && batch.isComplete {
                for anchor in state.space(name).objects.keys.sorted() where !seen.contains(anchor) {
                    if state.space(name).objects[anchor]?.isPendingAdd == true { continue }
                    statistics.deletes += 1
                    changes.append(.delete(anchor: anchor))
                }
            }
            if !changes.isEmpty || batch.watermark != nil {
                // A connector's page can be larger than one journal event may be: split it, and
                // put the watermark on the last part only.
                var start = 0
                repeat {
                    let end = min(start + Self.changesPerImportEvent, changes.count)
                    try await commit([
                        .objectsImported(
                            ObjectsImported(
                                runID: runID, connector: name, changes: Array(changes[start..<end]),
                                watermark: end == changes.count ? batch.watermark : nil))
                    ])
                    start = end
                } while start < changes.count
            }
            if isCancelled { break }
        }
    }

    /// At most this many imported changes go into one journal event (a connector's page may be far larger).
    static var changesPerImportEvent: Int { 1_000 }

    var isCancelled: Bool { cancelled || Task.isCancelled }
}
