import ConnectorKit
import Logging
import TandemJournal

/// Runs profiles and cycles against connectors, recording every step in the journal before it
/// changes the state: the state is always the fold of the journal.
public actor SyncEngine {
    public let configuration: Configuration
    let journal: Journal
    let rules: CompiledRules
    let connectors: [String: any Connector]
    let logger: Logger
    /// Read by progress reporting; checked between batches so that SIGINT leaves a consistent journal.
    var cancelled = false
    public internal(set) var state: EngineState
    /// How many decisions go into one journal event.
    let decisionsPerEvent = 1_000
    /// How many payload bytes of decision events share one append and its `fdatasync` (4 MiB: a few
    /// dozen events; one append per event made a million-person full sync wait for 24,000 syncs).
    var decisionBytesPerAppend = 4 << 20
    /// The indexes the last sync run left and the `lastSeq` of the state they describe (see ``SyncIndexes``);
    /// ``commit(_:)`` keeps them for events that cannot change what they index.
    var syncIndexes: (indexes: SyncIndexes, validAtSeq: UInt64)?
    /// Called with progress while runs run (from the engine's executor; keep it quick).
    var progressHandler: (@Sendable (RunProgress) -> Void)?

    /// Where checkpoints go and how often (`nil`: none); see SyncEngine+Checkpoints.swift.
    let checkpointing: CheckpointPolicy?
    /// The seq of the newest checkpoint this engine knows of.
    var lastCheckpointSeq: UInt64 = 0
    /// The time of the last event committed, recorded in checkpoint headers.
    var lastCommitTime: Int64 = 0
    /// The objects the events appended since the object index was last extended touched (`nil`
    /// without checkpoints: the index lives beside them).
    var objectIndexAccumulator: ObjectIndexAccumulator?
    /// How many events extending the object index had to read back from the journal since the
    /// engine opened: none while the engine recorded every event since the index's coverage.
    package internal(set) var objectIndexEventsScanned = 0
    /// The most objects a run's end writes to the object index's tail. The tail is rewritten whole
    /// at the end of every run, so its cost grows with the objects touched since the last
    /// checkpoint (about 0.3 s per 100,000 measured); past this bound runs stop rewriting it, and
    /// `explain` scans the events after the last tail written until the next checkpoint merges them.
    package var objectIndexTailLimit = 100_000

    package func setObjectIndexTailLimit(_ limit: Int) { objectIndexTailLimit = limit }

    public func setProgressHandler(_ handler: (@Sendable (RunProgress) -> Void)?) { progressHandler = handler }

    /// Asked before each export batch; `nil` exports freely (one server, or a manually run pair).
    var exportPermit: (any ExportPermit)?

    /// Fences exports: from the next batch on, each one asks `permit` first.
    public func setExportPermit(_ permit: (any ExportPermit)?) { exportPermit = permit }

    /// Opens the engine on a journal, rebuilding its state by replaying it (or, given `resumed`, a
    /// fold of the journal through a seq, by replaying only the events after that seq).
    package init(
        configuration: Configuration, journal: Journal, connectors: [String: any Connector], compile: FlowCompiler,
        logger: Logger = Logger(label: "tandem.engine"), checkpointing: CheckpointPolicy? = nil,
        resuming resumed: (state: EngineState, seq: UInt64)? = nil
    ) throws {
        self.configuration = configuration
        self.journal = journal
        self.connectors = connectors
        self.logger = logger
        self.rules = try CompiledRules(configuration, compile: compile)
        self.checkpointing = checkpointing
        let opened =
            try resumed.map {
                try Self.resumeState($0.state, through: $0.seq, journal: journal, checkpointing: checkpointing)
            }
            ?? Self.openState(journal: journal, checkpointing: checkpointing)
        self.state = opened.state
        self.lastCheckpointSeq = opened.lastCheckpointSeq
        if let checkpointing {
            let resumed = ObjectHistoryIndex.resume(
                directory: checkpointing.checkpoints.store.directory, reader: try journal.reader(),
                through: opened.state.lastSeq, logger: logger)
            objectIndexAccumulator = resumed.accumulator
            objectIndexEventsScanned = resumed.scanned
        }
    }

    /// The journal's last durable seq (events appended by others, such as shipped frames, included).
    public var journalLastSeq: UInt64 { journal.lastSeq }

    /// Starts `epoch` after a promotion: a new journal segment whose first event records the
    /// epoch change, so that every server replaying the journal sees where one term ended and
    /// the next began (the switch point).
    public func beginEpoch(_ epoch: UInt64) async throws {
        guard epoch > state.epoch else {
            throw EngineError(
                .invalidArgument, "epoch \(epoch) is not after the current epoch \(state.epoch); epochs only grow")
        }
        try await journal.beginEpoch(epoch)
        try await commit([.epochStarted(epoch: epoch)])
    }

    /// Stops the current run at its next batch boundary.
    public func cancel() { cancelled = true }

    func nextRunID() -> UInt64 { (state.runs.last?.runID ?? 0) + 1 }

    /// Appends events to the journal, then applies them: nothing changes that is not durable.
    /// Returns the events' seqs (a checkpoint event that may follow them is not among them).
    @discardableResult
    func commit(_ events: [EngineEvent]) async throws -> ClosedRange<UInt64>? {
        guard !events.isEmpty else { return nil }
        let time = JournalClock.nowMicroseconds()
        let seqs = try await journal.append(
            contentsOf: events.map { EngineEventCodec.encode($0, timeMicroseconds: time) })
        recordForObjectIndex(events, seqs: seqs)
        let indexesCurrent = syncIndexes?.validAtSeq == state.lastSeq && events.allSatisfy(\.keepsSyncIndexes)
        if !indexesCurrent { syncIndexes = nil }
        for (event, seq) in zip(events, seqs) {
            if indexesCurrent, case .objectsImported(let imported) = event {
                syncIndexes!.indexes.noteDeletes(imported, in: state)
            }
            try state.apply(event, seq: seq, timeMicroseconds: time)
        }
        if indexesCurrent { syncIndexes?.validAtSeq = state.lastSeq }
        lastCommitTime = time
        await checkpointIfDue(after: events)
        if events.contains(where: { if case .runFinished = $0 { true } else { false } }) { writeObjectIndexTail() }
        return seqs
    }

    /// Notes what appended events touched, for the object index, while they are still in memory.
    func recordForObjectIndex(_ events: some Sequence<EngineEvent>, seqs: ClosedRange<UInt64>) {
        guard objectIndexAccumulator != nil else { return }
        var epoch = state.epoch
        for (event, seq) in zip(events, seqs) {
            if case .epochStarted(let started) = event { epoch = started }
            objectIndexAccumulator!.record(event, seq: seq, epoch: epoch)
        }
    }

    func connector(_ name: String) throws -> any Connector {
        guard let connector = connectors[name] else {
            throw EngineError(.notFound, "no connector named '\(name)' is configured")
        }
        return connector
    }

    /// Records the configuration in the journal if it differs from the one last applied, so that
    /// replay and `explain` know which rules made each decision. Secrets are never recorded.
    public func recordConfigurationIfChanged() async throws {
        let hash = configuration.versionHash
        guard state.configurationHash != hash else { return }
        var events: [EngineEvent] = []
        if state.configurationHash != nil {
            // A named point to restore to if the new configuration turns out wrong.
            events.append(.restorePoint(name: "before-configuration-\(hash.prefix(12))"))
        }
        events.append(.configurationApplied(ConfigurationApplied(versionHash: hash, summary: configuration.summary)))
        try await commit(events)
    }

    /// Runs one profile on one connector.
    @discardableResult
    public func run(_ profile: RunProfile, connector name: String) async throws -> RunFinished {
        try await recordConfigurationIfChanged()
        if profile == .export, state.awaitingImport.contains(name) {
            throw EngineError(
                .invalidArgument,
                "\(name) was restored to an earlier state and must be imported before it exports, so the connected "
                    + "system is reconciled rather than overwritten: run 'tandem run \(name) full-import' (and a "
                    + "sync) or 'tandem cycle'")
        }
        if profile == .export, !state.space(name).inDoubtExports.isEmpty, await mayExport(connector: name) {
            // Exports whose outcome is unknown are confirmed by import before anything is exported again.
            if let failure = try await reconcileExportsInDoubt(connector: name) {
                let runID = nextRunID()
                try await commit([.runStarted(RunStarted(runID: runID, connector: name, profile: profile))])
                let finished = RunFinished(
                    runID: runID, status: .stoppedConnectorError, statistics: RunStatistics(),
                    message: "nothing exported: \(failure)")
                try await commit([.runFinished(finished)])
                return finished
            }
        }
        let runID = nextRunID()
        cancelled = false
        try await commit([.runStarted(RunStarted(runID: runID, connector: name, profile: profile))])
        var statistics = RunStatistics()
        var status = RunStatus.success
        var message = ""
        do {
            switch profile {
            case .fullImport, .deltaImport:
                try await importObjects(
                    connector: name, runID: runID, full: profile == .fullImport, statistics: &statistics)
            case .fullSync, .deltaSync:
                let stopped = try await synchronize(
                    connector: name, runID: runID, full: profile == .fullSync, statistics: &statistics)
                if stopped {
                    status = .stoppedErrorLimit
                    message =
                        "the run stopped after \(statistics.errors) sync errors (error limit \(configuration.errorLimit))"
                }
            case .export:
                let (held, fenced) = try await export(connector: name, runID: runID, statistics: &statistics)
                if let fenced {
                    status = .fenced
                    message = "exporting stopped: \(fenced)"
                } else if held > 0 {
                    status = .deletesHeld
                    message =
                        "\(held) deletes exceed the deletion threshold and are held; approve them with 'tandem exports approve-deletes \(name)'"
                }
            case .initialCycle, .deltaCycle:
                throw EngineError(.invalidArgument, "\(profile.rawValue) runs on all connectors: use cycle(initial:)")
            }
            if status == .success && statistics.errors > 0 { status = .completedWithErrors }
            if cancelled {
                status = .cancelled
                message = "interrupted; the journal and state are consistent up to the last completed batch"
            }
        } catch let error as ConnectorError {
            status = .stoppedConnectorError
            message = "\(name): \(error)"
        }
        let finished = RunFinished(runID: runID, status: status, statistics: statistics, message: message)
        try await commit([.runFinished(finished)])
        logger.info(
            "run finished",
            metadata: [
                "connector": "\(name)", "profile": "\(profile.rawValue)", "status": "\(status.rawValue)",
                "run": "\(runID)",
            ])
        return finished
    }

    /// The initial cycle (full import, full sync, export on every connector) or the delta cycle
    /// (delta import, delta sync, export).
    @discardableResult
    public func cycle(initial: Bool) async throws -> [RunFinished] {
        let names = configuration.connectors.map(\.name)
        var results: [RunFinished] = []
        if initial {
            try await recordConfigurationIfChanged()
            try await commit([.restorePoint(name: "before-initial-cycle-\(nextRunID())")])
        }
        for name in names {
            let supportsDelta = try connector(name).capabilities.supportsDeltaImport
            // After a restore the watermark is stale: only a full import reconciles.
            let profile: RunProfile =
                initial || !supportsDelta || state.awaitingImport.contains(name) ? .fullImport : .deltaImport
            results.append(try await run(profile, connector: name))
            if cancelled { return results }
        }
        for name in names {
            results.append(try await run(initial ? .fullSync : .deltaSync, connector: name))
            if cancelled { return results }
        }
        for name in names {
            if state.awaitingImport.contains(name) {
                logger.warning(
                    "not exporting: the connector was restored and has not been imported since",
                    metadata: ["connector": "\(name)"])
                continue
            }
            results.append(try await run(.export, connector: name))
            if cancelled { return results }
        }
        return results
    }

    /// Approves held deletes (all, or the listed anchors); the next export performs them.
    public func approveDeletes(connector: String, anchors: [Anchor]?) async throws -> Int {
        let held = state.space(connector).heldDeletes
        let approved = anchors.map { Set($0).intersection(held) } ?? held
        guard !approved.isEmpty else { return 0 }
        try await commit([.deletesApproved(DeletesApproved(connector: connector, anchors: approved.sorted()))])
        return approved.count
    }
}
