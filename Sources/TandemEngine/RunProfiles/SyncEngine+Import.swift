import ConnectorKit

extension SyncEngine {
    /// Imports a connector's objects into its connector space. Objects that did not change are not
    /// journaled. A full import deletes what it did not see.
    ///
    /// An import is all or nothing: the changes are journaled (in events of at most
    /// ``changesPerImportEvent``) only once the connector's stream has ended, so a connection lost
    /// mid-import, a crashed plug-in or an interrupted run leaves the connector space as it was.
    /// The cost is holding one import's *changed* objects in memory until then; an object that only confirms
    /// an export is held as its anchor (``ConnectorSpaceChange/confirm(anchor:)``).
    func importObjects(connector name: String, runID: UInt64, full: Bool, statistics: inout RunStatistics) async throws
    {
        let connector = try connector(name)
        let watermark = state.space(name).watermark
        let mode: ImportRequest.Mode = if !full, let watermark { .delta(watermark) } else { .full }
        var imported: [ConnectorSpaceChange] = []
        var finalWatermark: Watermark?
        // The request and the stream hold a view of the space: both are gone before the commit changes the
        // space, which would otherwise copy all of it (copy on write) while they live.
        do {
            let request = ImportRequest(mode: mode, connectorSpace: ConnectorSpaceSnapshot(space: state.space(name)))
            var seen = Set<Anchor>()
            var progress = ProgressReporter(
                connector: name, profile: full ? .fullImport : .deltaImport, stage: "importing",
                handler: progressHandler)
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
                        // Compared with the space only the first time the import names the object: a later
                        // mention follows a change of this import that the space does not hold yet.
                        let first = seen.insert(object.anchor).inserted
                        // Packed once: compared as bytes, journaled and applied as they are.
                        let imported = ImportedObject(object)
                        let existing = space.objects[object.anchor]
                        if first, let existing, existing.objectType == imported.objectType,
                            existing.distinguishedName == imported.distinguishedName,
                            existing.attributes == imported.attributes
                        {
                            // Unchanged objects are not journaled, unless the import confirms an export to them:
                            // then the anchor says it (a confirmation counts as an update).
                            if !existing.isPendingAdd && space.unconfirmedExports[object.anchor] == nil {
                                statistics.unchanged += 1
                            } else {
                                statistics.updates += 1
                                changes.append(.confirm(anchor: object.anchor))
                            }
                            continue
                        }
                        if existing == nil { statistics.adds += 1 } else { statistics.updates += 1 }
                        changes.append(.upsert(imported))
                    case .change(.update(let anchor, _, let attributeChanges)):
                        guard space.objects[anchor] != nil || seen.contains(anchor) else {
                            throw ConnectorError(
                                .protocolViolation, "delta import updates an object it never imported", anchor: anchor)
                        }
                        seen.insert(anchor)
                        statistics.updates += 1
                        changes.append(.update(anchor: anchor, changes: attributeChanges))
                    case .change(.rename(let anchor, _, let dn)):
                        guard space.objects[anchor] != nil || seen.contains(anchor) else {
                            throw ConnectorError(
                                .protocolViolation, "delta import renames an object it never imported", anchor: anchor)
                        }
                        seen.insert(anchor)
                        statistics.renames += 1
                        changes.append(.rename(anchor: anchor, distinguishedName: dn))
                    case .change(.delete(let anchor, _)):
                        // Objects added earlier in this import are not in the space yet: they are only seen.
                        guard space.objects[anchor] != nil || seen.contains(anchor) else { continue }
                        // Seen, so that the object imported again later in this import is added, not confirmed.
                        seen.insert(anchor)
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
                imported += changes
                if let newWatermark = batch.watermark { finalWatermark = newWatermark }
                if isCancelled { return }  // nothing journaled: the space stays as it was
            }
        }
        guard !imported.isEmpty || finalWatermark != nil else { return }
        // Split into journal events of bounded size; the watermark goes on the last one only.
        var start = 0
        repeat {
            let end = min(start + Self.changesPerImportEvent, imported.count)
            try await commit([
                .objectsImported(
                    ObjectsImported(
                        runID: runID, connector: name, changes: Array(imported[start..<end]),
                        watermark: end == imported.count ? finalWatermark : nil))
            ])
            start = end
        } while start < imported.count
    }

    /// At most this many imported changes go into one journal event (a connector's page may be far larger).
    static var changesPerImportEvent: Int { 1_000 }

    var isCancelled: Bool { cancelled || Task.isCancelled }
}
