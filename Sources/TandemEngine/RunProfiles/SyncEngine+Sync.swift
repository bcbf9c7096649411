import ConnectorKit

extension SyncEngine {
    /// Runs the synchronizer and journals its decisions; returns whether it stopped at the error limit.
    func synchronize(
        connector name: String, runID: UInt64, full: Bool, statistics: inout RunStatistics,
        adoptingInDoubtAdds: Bool = false
    ) async throws -> Bool {
        _ = try self.connector(name)
        let renaming = Set(connectors.filter { $0.value.capabilities.exportOperations.contains(.rename) }.keys)
        var synchronizer = Synchronizer(
            state: state, rules: rules, errorLimit: configuration.errorLimit, renamingConnectors: renaming)
        let handler = progressHandler
        var progress = ProgressReporter(
            connector: name, profile: full ? .fullSync : .deltaSync, stage: "synchronizing", handler: handler)
        if adoptingInDoubtAdds { try synchronizer.adoptInDoubtAdds(connector: name) }
        try synchronizer.synchronize(connector: name, full: full) { done, total in progress.report(done, total: total) }
        let decisions = synchronizer.decisions
        var start = 0
        while start < decisions.count {
            let end = min(start + decisionsPerEvent, decisions.count)
            try await commit([.syncDecisions(SyncDecisions(runID: runID, decisions: Array(decisions[start..<end])))])
            start = end
        }
        statistics = synchronizer.statistics
        return synchronizer.stoppedAtErrorLimit
    }
}
