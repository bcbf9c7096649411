import Foundation
import Logging
import Synchronization
import TandemEngine
import TandemJournal

/// One Tandem server and its role: the active server (engine open for writing, scheduler running)
/// or a staging server (following its primary's journal, never exporting).
///
/// Role changes are clean operations on the node — ``becomeActive()`` stops the follower, opens
/// the engine on the same journal and starts the scheduler; ``becomeStaging(primaryURL:)`` stops
/// the scheduler at a batch boundary and starts following — so that a promotion controller (epoch
/// authority, fencing) decides *when*, and the node does *how*. One role change runs at a time.
public actor TandemNode {
    /// Opens an engine on a journal with every configured connector (the composition root knows them).
    /// On a promotion the third argument is the state the staging server already applied and the
    /// last seq in it, so that the engine replays only the rest (``SyncEngine/open(configuration:journal:connectors:resuming:appliedThrough:logger:checkpointing:)``);
    /// `nil` when the engine must replay the journal itself.
    public typealias EngineFactory =
        @Sendable (Configuration, Journal, _ applied: (state: EngineState, seq: UInt64)?) throws -> SyncEngine

    private struct ActiveRole {
        var engine: SyncEngine
        var journal: Journal
        var scheduler: CycleScheduler
        var task: Task<Void, Never>
    }

    private struct StagingRole {
        var follower: StagingFollower
        var task: Task<Void, Never>
    }

    private enum Phase {
        case idle
        case active(ActiveRole)
        case staging(StagingRole)
        case stopped
    }

    public let configuration: Configuration
    public private(set) var options: ServerOptions
    private let makeEngine: EngineFactory
    private let logger: Logger
    private var phase: Phase = .idle
    private var changingRole = false
    private var digestCache: (seq: UInt64, runs: Int, digest: String)?
    let metrics = ServerMetrics()
    private let stoppingFlag = Mutex(false)
    /// Runs on every new active engine before its scheduler starts (the promotion controller claims
    /// the epoch and fences exports here, so no cycle can run before the lease is held).
    private var activation: (@Sendable (SyncEngine) async throws -> Void)?

    /// Sets what runs on every new active engine before its scheduler starts.
    public func setActivation(_ activation: (@Sendable (SyncEngine) async throws -> Void)?) {
        self.activation = activation
    }

    /// Called by a staging server after each batch of shipped frames is applied (benchmarks measure lag with it).
    private let onShippedCommit: (@Sendable (ShippedBatch) -> Void)?

    public init(
        configuration: Configuration, options: ServerOptions, makeEngine: @escaping EngineFactory,
        logger: Logger = Logger(label: "tandem.server"), onShippedCommit: (@Sendable (ShippedBatch) -> Void)? = nil
    ) {
        self.configuration = configuration
        self.options = options
        self.makeEngine = makeEngine
        self.logger = logger
        self.onShippedCommit = onShippedCommit
    }

    /// Where the journal lives: `DATADIR/journal`, as for every other command.
    public nonisolated var journalDirectory: String { configuration.dataDirectory + "/journal" }
    /// Where checkpoints live: `DATADIR/checkpoints`, as for every other command.
    public nonisolated var checkpointDirectory: String { configuration.dataDirectory + "/checkpoints" }

    /// Whether the node is shutting down (journal streams end early).
    nonisolated var isStopping: Bool { stoppingFlag.withLock { $0 } }

    /// The current role; `nil` before ``start()`` and after ``shutdown()``.
    public var role: ServerSettings.Role? {
        switch phase {
        case .active: .active
        case .staging: .staging
        case .idle, .stopped: nil
        }
    }

    /// The engine, while the node is active (for a promotion controller: epoch changes, fencing).
    public var activeEngine: SyncEngine? {
        if case .active(let active) = phase { return active.engine }
        return nil
    }

    /// The open journal in either role; `nil` while an empty staging server has not reached its primary.
    public var journal: Journal? {
        switch phase {
        case .active(let active): active.journal
        case .staging(let staging): staging.follower.journal
        case .idle, .stopped: nil
        }
    }

    private var journalOptions: JournalOptions {
        var options = JournalOptions()
        options.logger = Logger(label: "tandem.journal")
        return options
    }

    /// Opens the journal and takes up the role the options name.
    public func start() async throws {
        guard case .idle = phase else { throw ServerError(.wrongRole, "the server has already started") }
        switch options.role {
        case .active:
            let journal = try Journal.open(directory: journalDirectory, options: journalOptions)
            do {
                try await startActive(journal: journal)
            } catch {
                await journal.close()
                throw error
            }
        case .staging:
            guard let primary = options.primaryURL else {
                throw ServerError(.configuration, "a staging server needs its primary's URL")
            }
            var journal: Journal?
            var state = EngineState()
            let existing = FileManager.default.fileExists(atPath: journalDirectory)
            if existing, (try JournalReader(directory: journalDirectory).journalID) != nil {
                let opened = try Journal.open(directory: journalDirectory, options: journalOptions)
                journal = opened
                do {
                    // From the newest checkpoint: a journal based on one (bootstrapped) starts after it.
                    state = try EngineReplay.replay(
                        directory: journalDirectory, checkpoints: EngineCheckpoints(directory: checkpointDirectory)
                    ).state
                } catch {
                    await opened.close()
                    throw error
                }
            }
            try startStaging(primary: primary, journal: journal, state: state)
        }
    }

    /// Staging → active: stops following (what is durable stays), opens the engine for writing on
    /// the same journal and starts the scheduler. Epochs and fencing are the caller's business.
    public func becomeActive() async throws {
        try beginRoleChange()
        defer { changingRole = false }
        guard case .staging(let staging) = phase else {
            if case .active = phase { return }
            throw ServerError(.wrongRole, "only a running staging server can become active")
        }
        staging.task.cancel()
        await staging.task.value
        let journal = try staging.follower.journal ?? Journal.open(directory: journalDirectory, options: journalOptions)
        // The follower has applied the journal up to some seq: the engine starts from that state
        // and replays only what was durable but not yet applied, not the whole journal.
        let applied = staging.follower.journal == nil ? nil : staging.follower.appliedState
        do {
            try await startActive(journal: journal, applied: applied)
        } catch {
            logger.error("could not open the engine; staying staging", metadata: ["error": "\(error)"])
            let (state, seq) = staging.follower.appliedState
            try startStaging(primary: staging.follower.primary.baseURL, journal: journal, state: state, appliedSeq: seq)
            throw error
        }
        options.role = .active
        logger.notice("became active", metadata: ["lastSeq": "\(journal.lastSeq)"])
    }

    /// Active → staging: stops the scheduler at the next batch boundary (no export runs after this
    /// returns), keeps the journal and state, and follows `primaryURL`.
    public func becomeStaging(primaryURL: String) async throws {
        try beginRoleChange()
        defer { changingRole = false }
        guard case .active(let active) = phase else {
            throw ServerError(.wrongRole, "only a running active server can become staging")
        }
        await active.scheduler.stop()
        await active.task.value
        let state = await active.engine.state
        try startStaging(primary: primaryURL, journal: active.journal, state: state)
        options.role = .staging
        options.primaryURL = primaryURL
        logger.notice("became staging", metadata: ["primary": "\(primaryURL)", "lastSeq": "\(active.journal.lastSeq)"])
    }

    /// Stops the scheduler or the follower and closes the journal (graceful shutdown).
    public func shutdown() async {
        stoppingFlag.withLock { $0 = true }
        let current = phase
        phase = .stopped
        switch current {
        case .active(let active):
            await active.scheduler.stop()
            await active.task.value
            await active.journal.close()
        case .staging(let staging):
            staging.task.cancel()
            await staging.task.value
            await staging.follower.journal?.close()
        case .idle, .stopped:
            break
        }
        logger.notice("stopped")
    }

    /// Runs a cycle now on the active server and returns its runs.
    public func runCycle(initial: Bool) async throws -> [RunFinished] {
        guard case .active(let active) = phase else {
            throw ServerError(.wrongRole, "only the active server runs cycles; this server is \(roleName)")
        }
        return try await active.scheduler.runNow(initial: initial)
    }

    private var roleName: String { role?.rawValue ?? "stopped" }

    private func beginRoleChange() throws {
        guard !changingRole else { throw ServerError(.busy, "a role change is already under way") }
        changingRole = true
    }

    private func startActive(journal: Journal, applied: (state: EngineState, seq: UInt64)? = nil) async throws {
        let engine = try makeEngine(configuration, journal, applied)
        if let activation { try await activation(engine) }
        let scheduler = CycleScheduler(
            engine: engine, configuration: configuration, interval: options.scheduleInterval, logger: logger)
        let task = Task { await scheduler.run() }
        phase = .active(ActiveRole(engine: engine, journal: journal, scheduler: scheduler, task: task))
    }

    /// - Parameter appliedSeq: the last seq `state` includes, when it is behind `journal`.
    private func startStaging(primary: String, journal: Journal?, state: EngineState, appliedSeq: UInt64? = nil) throws
    {
        let client = try PrimaryClient(baseURL: primary, token: options.token, caPath: options.tlsCAPath)
        let follower = StagingFollower(
            directory: journalDirectory, primary: client, journal: journal, state: state, appliedSeq: appliedSeq,
            journalOptions: journalOptions, faults: options.faults, headPollInterval: options.headPollInterval,
            logger: logger, onCommit: onShippedCommit,
            bootstrap: StagingBootstrap(
                policy: options.bootstrap, journalDirectory: journalDirectory,
                checkpointDirectory: checkpointDirectory, logger: logger,
                flipByteAt: options.faults.flipCheckpointByteAt))
        let task = Task { await follower.run() }
        phase = .staging(StagingRole(follower: follower, task: task))
    }

    // MARK: What the HTTP side reads

    /// The journal to ship from (a staging server ships its copy too, so servers can be chained).
    func shippingJournal() throws -> Journal {
        switch phase {
        case .active(let active): return active.journal
        case .staging(let staging):
            guard let journal = staging.follower.journal else {
                throw ServerError(.stopped, "this staging server has no journal yet: it has not reached its primary")
            }
            return journal
        case .idle, .stopped:
            throw ServerError(.stopped, "the server is not running")
        }
    }

    func journalHead() async throws -> JournalHead {
        let journal = try shippingJournal()
        let epoch: UInt64
        switch phase {
        case .staging(let staging): epoch = staging.follower.state.epoch
        case .active(let active): epoch = await active.engine.state.epoch
        case .idle, .stopped: epoch = 0
        }
        return JournalHead(
            journalID: journal.journalID.uuidString, epoch: epoch, lastSeq: journal.lastSeq,
            lastEventTimeMicroseconds: journal.lastEventTimeMicroseconds)
    }

    /// A snapshot for `/v1/status` and `/metrics`; the state digest only when asked (it reads all state).
    func snapshot(includeDigest: Bool) async -> NodeSnapshot {
        var snapshot = NodeSnapshot(role: roleName, configuration: configuration)
        let state: EngineState
        switch phase {
        case .active(let active):
            state = await active.engine.state
            snapshot.journalID = active.journal.journalID.uuidString
            snapshot.lastSeq = active.journal.lastSeq
            snapshot.lastEventTimeMicroseconds = active.journal.lastEventTimeMicroseconds
        case .staging(let staging):
            state = staging.follower.state
            let progress = staging.follower.progress
            snapshot.journalID = staging.follower.journal?.journalID.uuidString
            snapshot.lastSeq = progress.lastSeq
            snapshot.lastEventTimeMicroseconds = progress.lastEventTimeMicroseconds
            snapshot.primary = staging.follower.primary.baseURL
            snapshot.shipping = progress
        case .idle, .stopped:
            state = EngineState()
        }
        snapshot.epoch = state.epoch
        snapshot.lastRun = state.runs.last
        snapshot.pendingExports = configuration.connectors.map { ($0.name, state.space($0.name).pendingExports.count) }
        snapshot.heldDeletes = configuration.connectors.map { ($0.name, state.space($0.name).heldDeletes.count) }
        if includeDigest {
            if let cache = digestCache, cache.seq == state.lastSeq, cache.runs == state.runs.count {
                snapshot.stateDigest = cache.digest
            } else {
                let digest = state.stateDigest
                digestCache = (state.lastSeq, state.runs.count, digest)
                snapshot.stateDigest = digest
            }
        }
        return snapshot
    }
}
