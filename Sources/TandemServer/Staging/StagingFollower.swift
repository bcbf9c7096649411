import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Synchronization
import TandemEngine
import TandemJournal

/// The staging server's half of shipping: follows the primary's journal stream, appends the
/// frames to its own journal byte for byte (``Journal/appendShipped(_:)`` checks every checksum,
/// the chain, the seqs and the epoch), applies their events to its in-memory state, and reports
/// its lag. It never exports and runs no cycle.
///
/// It resumes from its last durable seq on every (re)connection, backs off while the primary is
/// unreachable, refuses a primary whose journal UUID differs from its own, and drops the
/// connection on a damaged frame so that the frame is fetched again. An empty journal adopts
/// the primary's UUID and ships from seq 1, or starts from the primary's checkpoint when the
/// bootstrap policy says so (``StagingBootstrap``).
final class StagingFollower: Sendable {
    let directory: String
    let primary: PrimaryClient
    private let journalOptions: JournalOptions
    private let logger: Logger
    private let headPollInterval: Duration
    private let faults: Mutex<ShippingFaults>
    private let journalBox: Mutex<Journal?>
    private let stateBox: Mutex<EngineState>
    private let progressBox: Mutex<StagingProgress>
    /// Called after each batch is durable, and again once it is applied.
    let onCommit: (@Sendable (ShippedBatch) -> Void)?
    /// Starts an empty journal from the primary's checkpoint, when the policy says so.
    private let bootstrap: StagingBootstrap?

    /// - Parameters:
    ///   - journal: the open journal, or `nil` for an empty one to be created with the primary's UUID.
    ///   - state: the state replayed from `journal`.
    ///   - appliedSeq: the last seq `state` includes, if it is behind `journal` (the rest is applied
    ///     first); `nil` when `state` includes every durable frame.
    init(
        directory: String, primary: PrimaryClient, journal: Journal?, state: EngineState, appliedSeq: UInt64? = nil,
        journalOptions: JournalOptions, faults: ShippingFaults, headPollInterval: Duration, logger: Logger,
        onCommit: (@Sendable (ShippedBatch) -> Void)? = nil, bootstrap: StagingBootstrap? = nil
    ) {
        self.bootstrap = bootstrap
        self.directory = directory
        self.primary = primary
        self.journalOptions = journalOptions
        self.logger = logger
        self.headPollInterval = headPollInterval
        self.faults = Mutex(faults)
        self.journalBox = Mutex(journal)
        self.stateBox = Mutex(state)
        var progress = StagingProgress()
        progress.durableSeq = journal?.lastSeq ?? 0
        progress.lastSeq = min(appliedSeq ?? progress.durableSeq, progress.durableSeq)
        progress.lastEventTimeMicroseconds = journal?.lastEventTimeMicroseconds
        self.progressBox = Mutex(progress)
        self.onCommit = onCommit
    }

    /// The journal, once open (it stays open when the follower stops, for the next role).
    var journal: Journal? { journalBox.withLock { $0 } }
    /// The state replayed so far (a copy).
    var state: EngineState { stateBox.withLock { $0 } }
    var progress: StagingProgress { progressBox.withLock { $0 } }

    /// The state and the last seq applied to it; consistent only once the follower has stopped.
    var appliedState: (state: EngineState, seq: UInt64) { (state, progress.lastSeq) }

    /// Follows the primary until the task is cancelled.
    func run() async {
        let applier = ApplyThread(name: "tandem-staging-apply")
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.pollHead() }
            group.addTask { await self.ship(applyingOn: applier) }
            _ = await group.next()
            group.cancelAll()
        }
        applier.stop()
        await primary.shutdown()
    }

    private func pollHead() async {
        while !Task.isCancelled {
            if let head = try? await primary.head() {
                progressBox.withLock { $0.primaryHead = head }
            }
            try? await Task.sleep(for: headPollInterval)
        }
    }

    private func ship(applyingOn applier: ApplyThread) async {
        var backoff = Backoff()
        while !Task.isCancelled {
            do {
                try await shipOnce(applyingOn: applier)
                backoff.reset()
            } catch is CancellationError {
                return
            } catch let error as ServerError where error.code == .rejectedFrame {
                logger.warning("rejected a shipped frame; fetching it again", metadata: ["reason": "\(error)"])
                record(error)
                try? await Task.sleep(for: .milliseconds(50))
            } catch let error as EngineError {
                logger.critical(
                    "shipped events do not apply to the staging state; shipping stopped",
                    metadata: ["error": "\(error)"])
                progressBox.withLock {
                    $0.failed = true
                    $0.lastError = "shipped events do not apply: \(error); run 'tandem journal verify'"
                }
                return
            } catch {
                if Task.isCancelled { return }
                record(error)
                let delay = backoff.next()
                logger.warning(
                    "shipping interrupted; reconnecting",
                    metadata: ["error": "\(error)", "retryIn": "\(delay)"])
                try? await Task.sleep(for: delay)
            }
        }
    }

    private func record(_ error: any Error) {
        progressBox.withLock { $0.lastError = "\(error)" }
    }

    /// One connection: learn the primary's head, open or adopt the journal, stream from our last
    /// durable seq + 1 until the primary ends the response.
    private func shipOnce(applyingOn applier: ApplyThread) async throws {
        let head = try await primary.head()
        progressBox.withLock { $0.primaryHead = head }
        let journal = try await openJournal(adopting: head)
        defer { progressBox.withLock { $0.connected = false } }
        let faultBatchLimit = faults.withLock { $0.maxBatchBytes }
        let batchLimit = faultBatchLimit ?? 16 << 20
        // Three stages: receive and check frames (on the HTTP client's event loop) → make them
        // durable → apply them (on a thread of lower priority: durability first, see ApplyThread).
        // The first two hand over bounded runs of bytes; the applier reads the durable frames back
        // from this server's own journal (see ``apply(following:notices:on:)``).
        let handoff = FrameHandoff(maxBytes: max(batchLimit, 1 << 20) * 2)
        let (durableNotices, noticeContinuation) = AsyncStream.makeStream(
            of: UInt64.self, bufferingPolicy: .bufferingNewest(1))
        let startSeq = journal.lastSeq
        let receiver = ShippingReceiver(
            handoff: handoff, journalID: journal.journalID, startSeq: startSeq, baseURL: primary.baseURL,
            path: PrimaryClient.journalPath(from: startSeq + 1), hooks: receiverHooks(splittingAt: faultBatchLimit),
            logger: logger)
        // Frames durable but not yet applied (a previous connection's) are applied first.
        noticeContinuation.yield(startSeq)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { handoff.finish() }
                do {
                    try await self.primary.journal(from: startSeq + 1, into: receiver)
                } catch {
                    // The frames checked before the failure are sound: they are made durable all the same.
                    try? await receiver.finish(ended: false)
                    throw error
                }
                try await receiver.finish(ended: true)
            }
            group.addTask {
                defer {
                    handoff.finish()
                    noticeContinuation.finish()
                }
                // What the primary had durable when the response began (known before the first run
                // arrives): until then frames arrive back to back, so they are synced in large batches.
                try await self.commit(
                    from: handoff, to: journal, notifying: noticeContinuation, recycling: receiver.buffers,
                    batchLimit: batchLimit,
                    catchingUpThrough: { receiver.catchUpThrough })
            }
            group.addTask {
                defer { noticeContinuation.finish() }
                try await self.apply(following: journal, notices: durableNotices, on: applier)
            }
            do {
                while try await group.next() != nil {}
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    /// What the receiver reports to this follower, and the test faults it applies.
    private func receiverHooks(splittingAt testBatchLimit: Int?) -> ShippingReceiver.Hooks {
        ShippingReceiver.Hooks(
            connected: {
                self.progressBox.withLock {
                    $0.connected = true
                    $0.connections += 1
                }
            },
            received: { run in
                self.progressBox.withLock {
                    $0.framesReceived += UInt64(run.headers.count)
                    $0.bytesReceived += UInt64(run.bytes.count)
                }
            },
            rejected: { self.progressBox.withLock { $0.framesRejected += 1 } },
            flipByte: { piece in
                self.faults.withLock { faults -> Int? in
                    guard let at = faults.flipReceivedByteAt, piece.contains(at) else { return nil }
                    faults.flipReceivedByteAt = nil
                    return at
                }
            },
            splitRunsAt: testBatchLimit)
    }

    /// The journal, opened with the primary's UUID if ours is still empty (nothing on disk).
    private func openJournal(adopting head: JournalHead) async throws -> Journal {
        guard let primaryID = UUID(uuidString: head.journalID) else {
            throw ServerError(.primaryRefused, "the primary \(primary.baseURL) names its journal '\(head.journalID)'")
        }
        if let journal = self.journal {
            if journal.journalID == primaryID { return journal }
            let emptyOnDisk = journal.lastSeq == 0 && (try? JournalReader(directory: directory).journalID) == nil
            guard emptyOnDisk else {
                throw ServerError(
                    .mismatchedJournal,
                    "refusing the primary \(primary.baseURL): its journal is \(primaryID), ours is \(journal.journalID); a staging server only follows its own deployment"
                )
            }
            journalBox.withLock { $0 = nil }
            await journal.close()
        }
        if let outcome = try await bootstrapJournal(primaryID: primaryID, head: head) { return outcome }
        var options = journalOptions
        options.journalID = primaryID
        let journal: Journal
        do {
            journal = try Journal.open(directory: directory, options: options)
        } catch let error as JournalError where error.code == .mismatchedJournal {
            throw ServerError(.mismatchedJournal, "refusing the primary \(primary.baseURL): \(error.message)")
        }
        journalBox.withLock { $0 = journal }
        logger.notice("staging journal follows the primary's", metadata: ["journal": "\(primaryID)"])
        return journal
    }

    /// The journal based on the primary's checkpoint, with the state at its base adopted; `nil` to
    /// ship from seq 1 (see ``StagingBootstrap``).
    private func bootstrapJournal(primaryID: UUID, head: JournalHead) async throws -> Journal? {
        guard let bootstrap else { return nil }
        let outcome: StagingBootstrap.Outcome?
        do {
            outcome = try await bootstrap.run(
                primary: primary, primaryID: primaryID, head: head, journalOptions: journalOptions)
        } catch let error as ServerError where error.code == .rejectedCheckpoint {
            progressBox.withLock { $0.checkpointsRejected += 1 }
            throw error
        }
        guard let outcome else { return nil }
        stateBox.withLock { $0 = outcome.state }
        progressBox.withLock {
            $0.lastSeq = outcome.manifest.seq
            $0.durableSeq = outcome.manifest.seq
            $0.lastEventTimeMicroseconds =
                outcome.manifest.timeMicroseconds > 0 ? outcome.manifest.timeMicroseconds : nil
            $0.bootstrapSeq = outcome.manifest.seq
            $0.lastError = nil
        }
        journalBox.withLock { $0 = outcome.journal }
        return outcome.journal
    }

    /// The size of the runs a catch-up is received and written in.
    static let catchUpRunBytes = 1 << 20

    /// Makes frames durable in batches and tells the applier the last durable seq after each, so
    /// that inflating and applying events never holds up the next `fdatasync`.
    ///
    /// Frames are written in pieces of up to 1 MiB as they arrive, and synced once per batch: when
    /// nothing more has arrived within ``syncGrace``, or after `batchLimit` bytes. So a catch-up's writing overlaps its
    /// receiving, and only one `fdatasync` follows the last byte. Nothing is reported durable, and
    /// nothing is applied, before the sync that covers it.
    private func commit(
        from handoff: FrameHandoff, to journal: Journal, notifying durable: AsyncStream<UInt64>.Continuation,
        recycling buffers: ShippedRunBuffers, batchLimit: Int,
        catchingUpThrough catchUpThrough: () -> UInt64
    ) async throws {
        let pause = faults.withLock { $0.pauseAfterCommit }
        let pieceLimit = min(1 << 20, batchLimit)
        var written: [FrameHeader] = []
        var writtenBytes = 0
        func sync() async throws {
            guard !written.isEmpty else { return }
            let lastSeq = try await journal.syncShipped()
            progressBox.withLock {
                $0.durableSeq = lastSeq
                $0.lastError = nil
            }
            if let onCommit, let batch = Self.batch(written, lastSeq: lastSeq, stage: .durable) {
                onCommit(batch)
            }
            durable.yield(lastSeq)
            written = []
            writtenBytes = 0
            if let pause { try await Task.sleep(for: pause) }
        }
        do {
            while let runs = await handoff.take(limit: pieceLimit) {
                do {
                    // The decoder checked every frame's checksum; the journal checks chain, seqs and epoch.
                    try await journal.appendShipped(runs: runs, syncing: false)
                } catch let error as JournalError where error.code == .rejectedFrame {
                    progressBox.withLock { $0.framesRejected += 1 }
                    throw ServerError(.rejectedFrame, "\(error)")
                }
                written += runs.flatMap(\.headers)
                writtenBytes += runs.reduce(0) { $0 + $1.bytes.count }
                let writtenThrough = runs.last { !$0.headers.isEmpty }?.headers.last?.lastSeq ?? 0
                // Written (the applier reads them back from the journal): their buffers take the next runs.
                buffers.recycle(runs)
                // Mid catch-up the next run is on its way: neither wait nor sync before the batch is full.
                if writtenThrough < catchUpThrough() && writtenBytes < batchLimit { continue }
                if writtenBytes < batchLimit && handoff.isEmpty {
                    // During a catch-up the next bytes are usually a moment away: a short grace
                    // saves an `fdatasync` per moment; a trickle waits at most this long.
                    try await Task.sleep(for: Self.syncGrace)
                }
                if writtenBytes >= batchLimit || handoff.isEmpty { try await sync() }
            }
        } catch {
            // What was written before the failure is sound: make it durable, then report the failure.
            try? await sync()
            throw error
        }
        try await sync()
    }

    /// Applies the events of durable frames to the state, in order, on `applier`'s thread, reading
    /// them back from this server's own journal whenever the commit stage reports a new durable seq.
    ///
    /// Applying follows the journal rather than taking the received bytes from the commit stage, so
    /// a catch-up becomes durable as fast as it arrives however far applying falls behind (it is
    /// several times slower: every event is inflated and folded into the state), and the bytes
    /// waiting to be applied cost no memory: they are on disk, and fresh ones still in the page
    /// cache. When the notices end (the connection is over), everything durable is applied first.
    private func apply(
        following journal: Journal, notices: AsyncStream<UInt64>, on applier: ApplyThread
    ) async throws {
        var follower: JournalFrameFollower?
        let pause = faults.withLock { $0.pauseBeforeApply }
        for await _ in notices {
            while progressBox.withLock({ $0.lastSeq }) < journal.lastSeq {
                let reader = try follower ?? journal.frameFollower(from: progressBox.withLock { $0.lastSeq } + 1)
                follower = reader
                let frames = try await reader.nextFrames(maxBytes: 16 << 20, waitingAtMost: .zero)
                guard !frames.isEmpty else { break }
                if let pause { try await Task.sleep(for: pause) }
                try await applier.perform { try self.applyNow(frames) }
                let headers = frames.map(\.header)
                let lastSeq = headers.map(\.lastSeq).max() ?? 0
                let latest = headers.last { $0.count > 0 }?.latestTimeMicroseconds
                progressBox.withLock {
                    $0.lastSeq = max($0.lastSeq, lastSeq)
                    if let latest { $0.lastEventTimeMicroseconds = latest }
                }
                if let batch = Self.batch(headers, lastSeq: lastSeq, stage: .applied) { onCommit?(batch) }
            }
        }
    }

    /// Inflates the frames and folds their events into the state.
    private func applyNow(_ frames: [Frame]) throws {
        var events: [StoredEvent] = []
        for frame in frames { events += try frame.events() }
        // A restore event names an earlier seq; the state through it comes from this server's own
        // journal, which already holds every frame applied here (they are durable before they apply).
        let directory = self.directory
        let checkpoints = bootstrap.map { EngineCheckpoints(directory: $0.checkpointDirectory) }
        try stateBox.withLock { state in
            for event in events {
                try EngineReplay.apply(event, to: &state) { seq in
                    try EngineReplay.replay(directory: directory, checkpoints: checkpoints, through: seq).state
                }
            }
        }
    }

    /// How long the commit stage waits for more frames before it syncs what it has written.
    static let syncGrace: Duration = .milliseconds(2)

    private static func batch(_ headers: [FrameHeader], lastSeq: UInt64, stage: ShippedBatch.Stage) -> ShippedBatch? {
        guard let earliest = headers.first(where: { $0.count > 0 })?.earliestTimeMicroseconds,
            let latest = headers.last(where: { $0.count > 0 })?.latestTimeMicroseconds
        else { return nil }
        return ShippedBatch(
            stage: stage, lastSeq: lastSeq, frames: headers.count, earliestEventTimeMicroseconds: earliest,
            latestEventTimeMicroseconds: latest)
    }
}
