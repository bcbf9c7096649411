import ConnectorKit

extension SyncEngine {
    /// After a forced promotion: every pending export may have been attempted by the old active
    /// in its last moments, and the record of the attempt may not have been shipped here. So all
    /// of them are put in doubt (as attempted under `epoch`, the old term): each connector's first
    /// export then starts with a confirming import instead of repeating what may already be done.
    public func assumeExportsInDoubt(attemptedUnder epoch: UInt64) async throws {
        var events: [EngineEvent] = []
        for name in configuration.connectors.map(\.name) {
            let space = state.space(name)
            let anchors = space.pendingExports.keys.filter { space.inDoubtExports[$0] == nil }.sorted()
            guard !anchors.isEmpty else { continue }
            // Run 0: no run of this server attempted them; the old active may have.
            events.append(
                .exportsAttempted(ExportsAttempted(runID: 0, connector: name, epoch: epoch, anchors: anchors)))
        }
        try await commit(events)
    }

    /// Confirms exports whose outcome is unknown before anything is exported again.
    ///
    /// After a crash mid-export or a forced promotion, some exports were handed to the connector
    /// but their results never recorded: repeating them blindly could add an object twice. So a
    /// confirming import reads the connected system (delta when the connector supports it: its
    /// watermark precedes the attempts), and a delta-sync run adopts what in-doubt adds created
    /// and recomputes what is still pending. Both are ordinary runs in the journal, so a staging
    /// server replays them like any other.
    ///
    /// - Returns: why the exports could not be confirmed (then nothing may be exported), or `nil`.
    func reconcileExportsInDoubt(connector name: String) async throws -> String? {
        let inDoubt = state.space(name).inDoubtExports
        let epochs = Set(inDoubt.values).sorted().map(String.init).joined(separator: ", ")
        logger.notice(
            "confirming exports whose outcome is unknown before exporting",
            metadata: ["connector": "\(name)", "exports": "\(inDoubt.count)", "epochs": "\(epochs)"])
        let supportsDelta = try connector(name).capabilities.supportsDeltaImport
        let imported = try await run(supportsDelta ? .deltaImport : .fullImport, connector: name)
        guard imported.status == .success || imported.status == .completedWithErrors else {
            return
                "the import confirming \(inDoubt.count) exports in doubt (run \(imported.runID)) ended \(imported.status.rawValue)"
        }
        let runID = nextRunID()
        try await commit([.runStarted(RunStarted(runID: runID, connector: name, profile: .deltaSync))])
        var statistics = RunStatistics()
        let stopped = try await synchronize(
            connector: name, runID: runID, full: false, statistics: &statistics, adoptingInDoubtAdds: true)
        // What the import and sync did not settle is known not to have taken: it stays pending.
        let left = state.space(name).inDoubtExports.keys.sorted()
        if !left.isEmpty { try await commit([.exportsReconciled(ExportsReconciled(connector: name, anchors: left))]) }
        let status: RunStatus = stopped ? .stoppedErrorLimit : statistics.errors > 0 ? .completedWithErrors : .success
        try await commit([
            .runFinished(
                RunFinished(
                    runID: runID, status: status, statistics: statistics,
                    message: "reconciled \(inDoubt.count) exports in doubt"))
        ])
        return stopped ? "the sync reconciling exports in doubt (run \(runID)) stopped at the error limit" : nil
    }
}
