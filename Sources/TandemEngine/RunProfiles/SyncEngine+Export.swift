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
        // The run's one copy of its exports: the order takes it over, and copies out a page at a time.
        var toExport: [PendingExport]
        var held = Set<Anchor>()
        var newlyHeld: [Anchor] = []
        let total: Int
        // No copy of the space outlives this scope: one alive when a commit changes the space would make the
        // change copy all of it (copy on write).
        do {
            let space = state.space(name)
            toExport = space.pendingExports.values.sorted { $0.anchor < $1.anchor }
            let unapprovedDeletes = toExport.filter { $0.isDelete && !space.approvedDeletes.contains($0.anchor) }
            total = space.objects.count
            if configuration.deletionThreshold.isExceeded(deletes: unapprovedDeletes.count, total: total) {
                held = Set(unapprovedDeletes.map(\.anchor))
                newlyHeld = held.subtracting(space.heldDeletes).sorted()
            }
        }
        if !held.isEmpty {
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
        do {
            let space = state.space(name)
            toExport.removeAll {
                (held.contains($0.anchor) || space.heldDeletes.contains($0.anchor))
                    && !space.approvedDeletes.contains($0.anchor)
            }
        }
        let pageSize = max(1, connector.capabilities.pageSize)
        var progress = ProgressReporter(connector: name, profile: .export, stage: "exporting", handler: progressHandler)
        let exportCount = toExport.count
        var order = ExportOrder(consume toExport)
        var handedOut = 0
        while let page = order.next(upTo: pageSize) {
            progress.report(handedOut, total: exportCount)
            if handedOut > 0, let reason = await exportDenial(connector: name) {
                return (state.space(name).heldDeletes.count, reason)
            }
            handedOut += page.count
            let followUps = try await export(
                page, connector: connector, name: name, runID: runID, statistics: &statistics)
            for export in page { order.settle(export.anchor) }
            // A follow-up waits for the adds it references; one whose adds failed waits for the next run.
            for followUp in followUps where followUp.provisionalReferences.contains(where: order.isUnsettled) {
                order.append(followUp)
            }
            if isCancelled { return (state.space(name).heldDeletes.count, nil) }
        }
        return (state.space(name).heldDeletes.count, nil)
    }

    /// Writes one page of exports that do not depend on one another, their references to objects Tandem
    /// provisioned resolved (``ExportReferences``), and records the outcomes. An export whose written form
    /// differs from the pending one (references resolved, or left for later) is staged again as written, with
    /// its result, so that the connector space holds what the system was given; what was left for later is
    /// staged as a follow-up update, returned so the run can write it once the adds it references took.
    private func export(
        _ page: [PendingExport], connector: any Connector, name: String, runID: UInt64,
        statistics: inout RunStatistics
    ) async throws -> [PendingExport] {
        // Made from the space as it is now; the space is not held past this line (see above).
        let plans = page.map { ExportReferences($0, in: state.space(name), metaverse: state.metaverse) }
        let writing = zip(page, plans).compactMap { export, plan in plan.written.map { (export, $0, plan) } }
        guard !writing.isEmpty else { return [] }
        try await commit([
            .exportsAttempted(
                ExportsAttempted(runID: runID, connector: name, epoch: state.epoch, anchors: writing.map(\.0.anchor)))
        ])
        // Each change is made from its compact pending form as the connector reads it (see `ExportBatch`).
        let written = writing.map(\.1)
        let changes = ExportBatch(count: written.count) { Self.change(for: written[$0]) }
        let results = try await exportWithRetry(connector, changes, name: name)
        guard results.count == changes.count else {
            throw ConnectorError(
                .protocolViolation, "export returned \(results.count) results for \(changes.count) changes")
        }
        var restaged: [SyncDecision] = []
        var followUps: [PendingExport] = []
        var outcomes: [(anchor: Anchor, outcome: ExportOutcome)] = []
        for ((pending, written, plan), result) in zip(writing, results) {
            switch result {
            case .applied(let anchor):
                let applied = anchor.rawValue.isEmpty ? pending.anchor : anchor
                outcomes.append((pending.anchor, .applied(anchor: applied)))
                if written != pending { restaged.append(.stageExport(connector: name, written)) }
                if case .add = pending.operation, !plan.deferred.isEmpty {
                    followUps.append(
                        PendingExport(
                            anchor: applied, objectType: pending.objectType,
                            operation: .update(plan.deferred),
                            metaverseID: pending.metaverseID))
                }
                switch pending.operation {
                case .add: statistics.adds += 1
                case .update: statistics.updates += 1
                case .rename: statistics.renames += 1
                case .delete: statistics.deletes += 1
                }
            case .failed(let error):
                if error.code == .authentication || error.code == .invalidConfiguration { throw error }
                statistics.errors += 1
                outcomes.append((pending.anchor, .failed(code: error.code.name, message: error.message)))
            }
        }
        // An update that took with attributes left for later keeps them pending.
        for ((pending, _, plan), result) in zip(writing, results) {
            guard case .applied = result, case .update = pending.operation, !plan.deferred.isEmpty else { continue }
            followUps.append(
                PendingExport(
                    anchor: pending.anchor, objectType: pending.objectType,
                    operation: .update(plan.deferred),
                    metaverseID: pending.metaverseID))
        }
        // Decisions carry whole objects: a page of them goes in events of `decisionsPerEvent` each, as a
        // sync's do, so that no page size makes one event larger than the journal takes.
        var events = decisionEvents(restaged, runID: runID)
        events.append(.exportResults(ExportResults(runID: runID, connector: name, results: outcomes)))
        events += decisionEvents(followUps.map { SyncDecision.stageExport(connector: name, $0) }, runID: runID)
        try await commit(events)
        return followUps
    }

    /// `decisions` as `SyncDecisions` events of at most `decisionsPerEvent` each.
    private func decisionEvents(_ decisions: [SyncDecision], runID: UInt64) -> [EngineEvent] {
        stride(from: 0, to: decisions.count, by: decisionsPerEvent).map { start in
            let end = min(start + decisionsPerEvent, decisions.count)
            return .syncDecisions(SyncDecisions(runID: runID, decisions: Array(decisions[start..<end])))
        }
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
            let anchor = export.anchor.isProvisional ? Anchor("") : export.anchor
            return .add(
                ConnectorObject(
                    anchor: anchor, objectType: export.objectType, distinguishedName: dn,
                    attributes: attributes.dictionary))
        case .update(let attributes):
            return .update(
                anchor: export.anchor, objectType: export.objectType,
                changes: attributes.map { .replace($0.key, $0.value) })
        case .rename(let dn):
            return .rename(anchor: export.anchor, objectType: export.objectType, newDistinguishedName: dn)
        case .delete:
            return .delete(anchor: export.anchor, objectType: export.objectType)
        }
    }

    /// Retries a whole export call that failed transiently (busy, unreachable), with backoff.
    func exportWithRetry(_ connector: any Connector, _ changes: ExportBatch, name: String) async throws
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
