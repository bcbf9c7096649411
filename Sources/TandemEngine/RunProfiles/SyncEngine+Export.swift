import ConnectorKit

extension SyncEngine {
    /// Writes the pending exports of one connector. Deletes past the deletion threshold are held
    /// (and reported) while adds and updates flow; returns how many deletes are held, and why
    /// exporting stopped if the export permit was denied.
    ///
    /// Each batch asks the export permit first, then records the attempt (so that a crash
    /// between the connector call and its recorded result leaves the exports in doubt, not
    /// forgotten), then calls the connector, then records the results.
    func export(connector name: String, runID: UInt64, statistics: inout RunStatistics) async throws
        -> (held: Int, fenced: String?)
    {
        let connector = try connector(name)
        if let reason = await exportDenial(connector: name) { return (state.space(name).heldDeletes.count, reason) }
        let space = state.space(name)
        let pending = space.pendingExports.values.sorted { $0.anchor < $1.anchor }
        let unapprovedDeletes = pending.filter { $0.isDelete && !space.approvedDeletes.contains($0.anchor) }
        let total = space.objects.count
        var held = Set<Anchor>()
        if configuration.deletionThreshold.isExceeded(deletes: unapprovedDeletes.count, total: total) {
            held = Set(unapprovedDeletes.map(\.anchor))
            let newlyHeld = held.subtracting(space.heldDeletes).sorted()
            if !newlyHeld.isEmpty {
                try await commit([
                    .syncDecisions(
                        SyncDecisions(
                            runID: runID,
                            decisions: newlyHeld.map { .holdDelete(ConnectorSpaceLink(connector: name, anchor: $0)) }))
                ])
            }
            logger.warning(
                "export deletes held: they exceed the deletion threshold",
                metadata: ["connector": "\(name)", "deletes": "\(held.count)", "objects": "\(total)"])
        }
        let toExport = pending.filter {
            !held.contains($0.anchor) && !space.heldDeletes.contains($0.anchor)
                || space.approvedDeletes.contains($0.anchor)
        }
        let pageSize = max(1, connector.capabilities.pageSize)
        var progress = ProgressReporter(connector: name, profile: .export, stage: "exporting", handler: progressHandler)
        var start = 0
        while start < toExport.count {
            progress.report(start, total: toExport.count)
            let page = Array(toExport[start..<min(start + pageSize, toExport.count)])
            if start > 0, let reason = await exportDenial(connector: name) {
                return (state.space(name).heldDeletes.count, reason)
            }
            start += page.count
            try await commit([
                .exportsAttempted(
                    ExportsAttempted(runID: runID, connector: name, epoch: state.epoch, anchors: page.map(\.anchor)))
            ])
            let changes = page.map(Self.change(for:))
            let results = try await exportWithRetry(connector, changes, name: name)
            guard results.count == page.count else {
                throw ConnectorError(
                    .protocolViolation, "export returned \(results.count) results for \(page.count) changes")
            }
            var outcomes: [(anchor: Anchor, outcome: ExportOutcome)] = []
            for (export, result) in zip(page, results) {
                switch result {
                case .applied(let anchor):
                    outcomes.append((export.anchor, .applied(anchor: anchor.rawValue.isEmpty ? export.anchor : anchor)))
                    switch export.operation {
                    case .add: statistics.adds += 1
                    case .update: statistics.updates += 1
                    case .rename: statistics.renames += 1
                    case .delete: statistics.deletes += 1
                    }
                case .failed(let error):
                    if error.code == .authentication || error.code == .invalidConfiguration { throw error }
                    statistics.errors += 1
                    outcomes.append((export.anchor, .failed(code: error.code.name, message: error.message)))
                }
            }
            try await commit([.exportResults(ExportResults(runID: runID, connector: name, results: outcomes))])
            if isCancelled { break }
        }
        return (state.space(name).heldDeletes.count, nil)
    }

    /// Why the export permit refuses a batch for `connector` now; `nil` when exporting may go on.
    func exportDenial(connector name: String) async -> String? {
        guard let exportPermit else { return nil }
        switch await exportPermit.checkExport(epoch: state.epoch, connector: name) {
        case .granted: return nil
        case .denied(let reason):
            logger.warning("export fenced", metadata: ["connector": "\(name)", "reason": "\(reason)"])
            return reason
        }
    }

    func mayExport(connector name: String) async -> Bool { await exportDenial(connector: name) == nil }

    static func change(for export: PendingExport) -> ObjectChange {
        switch export.operation {
        case .add(let dn, let attributes):
            // A provisional anchor is Tandem's own; the connected system gives the real one.
            let anchor = export.anchor.rawValue.hasPrefix("~provisional:") ? Anchor("") : export.anchor
            return .add(
                ConnectorObject(
                    anchor: anchor, objectType: export.objectType, distinguishedName: dn, attributes: attributes))
        case .update(let attributes):
            return .update(
                anchor: export.anchor, objectType: export.objectType,
                changes: attributes.keys.sorted().map { .replace($0, attributes[$0]!) })
        case .rename(let dn):
            return .rename(anchor: export.anchor, objectType: export.objectType, newDistinguishedName: dn)
        case .delete:
            return .delete(anchor: export.anchor, objectType: export.objectType)
        }
    }

    /// Retries a whole export call that failed transiently (busy, unreachable), with backoff.
    func exportWithRetry(_ connector: any Connector, _ changes: [ObjectChange], name: String) async throws
        -> [ExportResult]
    {
        var delay = Duration.milliseconds(200)
        for attempt in 1...4 {
            do {
                return try await connector.export(changes)
            } catch let error as ConnectorError where error.code.isRetryable && attempt < 4 {
                logger.warning(
                    "export failed transiently; retrying",
                    metadata: ["connector": "\(name)", "attempt": "\(attempt)", "error": "\(error)"])
                try await Task.sleep(for: delay)
                delay *= 3
            }
        }
        preconditionFailure("unreachable: the last attempt returns or throws")
    }
}
