import Logging
import Synchronization
import TandemEngine
import TandemJournal

/// The active server's scheduler: the initial cycle when the configuration requires one, then a
/// delta cycle every interval, and cycles an operator asks for (`POST /v1/cycle`) — one at a time,
/// because two cycles interleaving on one engine would interleave their runs in the journal.
final class CycleScheduler: Sendable {
    private struct Request: Sendable {
        var initial: Bool
        var reply: CheckedContinuation<[RunFinished], any Error>?
    }

    private let engine: SyncEngine
    private let configuration: Configuration
    private let interval: Duration
    private let logger: Logger
    private let requests: AsyncStream<Request>
    private let requestSink: AsyncStream<Request>.Continuation
    /// Operator requests waiting; bounded so that a client loop cannot queue cycles without end.
    private let waiting = Mutex(0)
    private let maxWaiting = 4
    private let stopped = Mutex(false)

    init(engine: SyncEngine, configuration: Configuration, interval: Duration, logger: Logger) {
        self.engine = engine
        self.configuration = configuration
        self.interval = interval
        self.logger = logger
        (requests, requestSink) = AsyncStream.makeStream(of: Request.self)
    }

    /// Whether the configuration requires the initial cycle: nothing has run yet, or the rules
    /// changed since the last run (as after a configuration change in Entra Connect: full import, full sync).
    static func requiresInitialCycle(_ state: EngineState, _ configuration: Configuration) -> Bool {
        state.runs.isEmpty || state.configurationHash != configuration.versionHash
    }

    /// Runs cycles until ``stop()``.
    func run() async {
        let state = await engine.state
        let configuration = configuration
        let timer = Task { [requestSink, interval] in
            var first: Duration = .zero
            if !Self.requiresInitialCycle(state, configuration), let last = state.runs.last {
                // Not due before one interval after the last run started.
                let elapsed = Duration.microseconds(JournalClock.nowMicroseconds() - last.startTimeMicroseconds)
                first = max(.zero, interval - elapsed)
            }
            try? await Task.sleep(for: first)
            while !Task.isCancelled {
                requestSink.yield(Request(initial: false, reply: nil))
                try? await Task.sleep(for: interval)
            }
        }
        defer { timer.cancel() }
        for await request in requests {
            if request.reply != nil { waiting.withLock { $0 -= 1 } }
            if stopped.withLock({ $0 }) {
                request.reply?.resume(throwing: ServerError(.stopped, "the scheduler stopped before this cycle ran"))
                continue
            }
            let current = await engine.state
            let initial = request.initial || Self.requiresInitialCycle(current, configuration)
            logger.info("cycle starting", metadata: ["initial": "\(initial)"])
            do {
                let results = try await engine.cycle(initial: initial)
                let failed = results.filter { $0.status != .success }.count
                logger.notice(
                    "cycle finished",
                    metadata: ["initial": "\(initial)", "runs": "\(results.count)", "notSuccessful": "\(failed)"])
                request.reply?.resume(returning: results)
            } catch {
                logger.error("cycle failed", metadata: ["error": "\(error)"])
                request.reply?.resume(throwing: error)
            }
        }
    }

    /// Runs a cycle now (after the one running, if any) and returns its runs.
    func runNow(initial: Bool) async throws -> [RunFinished] {
        let admitted = waiting.withLock { count -> Bool in
            guard count < maxWaiting else { return false }
            count += 1
            return true
        }
        guard admitted else { throw ServerError(.busy, "\(maxWaiting) cycles are already waiting; try again later") }
        return try await withCheckedThrowingContinuation { continuation in
            if case .terminated = requestSink.yield(Request(initial: initial, reply: continuation)) {
                waiting.withLock { $0 -= 1 }
                continuation.resume(throwing: ServerError(.stopped, "the scheduler is stopping"))
            }
        }
    }

    /// Stops at the next batch boundary of the running cycle; waiting requests get an error.
    func stop() async {
        stopped.withLock { $0 = true }
        await engine.cancel()
        requestSink.finish()
    }
}
