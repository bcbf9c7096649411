import Foundation
import Logging

/// The journal's single writer: appends are queued, grouped into frames (group commit) and
/// made durable on a dedicated thread, so that `fdatasync` never blocks Swift's cooperative pool.
///
/// Audited lock box: every mutable field is guarded by `condition`, except `segments`, which
/// only the writer thread touches after `start()`.
final class JournalWriter: @unchecked Sendable {
    final class Waiter: @unchecked Sendable {
        // Resumed exactly once, by the writer thread or by close/failure; `nil` means "not admitted, queue full".
        let continuation: CheckedContinuation<UInt64?, any Error>
        init(_ continuation: CheckedContinuation<UInt64?, any Error>) { self.continuation = continuation }
    }

    private let condition = NSCondition()
    private var queue: GroupCommitQueue<Waiter>
    private var capacityWaiters: [CheckedContinuation<Void, Never>] = []
    private var finished: [CheckedContinuation<Void, Never>] = []
    private var threadExited = false

    private let segments: SegmentWriter
    private let options: JournalOptions
    private let logger: Logger
    let commits: CommitWatch

    init(segments: SegmentWriter, options: JournalOptions, committedSeq: UInt64, latestTimeMicroseconds: Int64?) {
        self.segments = segments
        self.options = options
        self.logger = options.logger
        self.queue = GroupCommitQueue(maxQueuedBytes: options.maxQueuedBytes)
        self.commits = CommitWatch(committedSeq: committedSeq, latestTimeMicroseconds: latestTimeMicroseconds)
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "tandem-journal-writer"
        thread.start()
    }

    /// Appends `events` as consecutive seqs; returns the last one once they are durable.
    func append(_ events: [JournalEvent]) async throws -> UInt64 {
        var bytes = 0
        for event in events {
            guard event.payload.count <= FormatV1.maxEventPayloadBytes else {
                throw JournalError(
                    .limitExceeded,
                    "event payload of \(event.payload.count) bytes exceeds the limit of \(FormatV1.maxEventPayloadBytes)"
                )
            }
            bytes += event.payload.count
        }
        let size = bytes
        return try await submit(bytes: size) { waiter in .events(events, bytes: size, waiter) }
    }

    /// Appends frames shipped from another server byte for byte; returns the last seq once they are
    /// durable — or, with `sync: false`, once they are written (durable only after a later sync).
    func appendShipped(_ frames: [Frame], sync: Bool = true) async throws -> UInt64 {
        // One run per frame shares each frame's bytes: nothing is copied.
        try await appendShipped(runs: frames.map { ShippedRun(bytes: $0.bytes, headers: [$0.header]) }, sync: sync)
    }

    /// ``appendShipped(_:sync:)`` for runs of frames, each written as it lies in its buffer.
    func appendShipped(runs: [ShippedRun], sync: Bool = true) async throws -> UInt64 {
        let size = runs.reduce(0) { $0 + $1.bytes.count }
        return try await submit(bytes: size) { waiter in .frames(runs, bytes: size, sync: sync, waiter) }
    }

    /// Writes later frames under `epoch`, in a new segment.
    func beginEpoch(_ epoch: UInt64) async throws -> UInt64 {
        try await submit(bytes: 0) { waiter in .beginEpoch(epoch, waiter) }
    }

    /// Seals the current segment: the next frame starts a new one.
    func rollSegment() async throws -> UInt64 {
        try await submit(bytes: 0) { waiter in .rollSegment(waiter) }
    }

    private func submit(bytes: Int, _ makeRequest: @escaping (Waiter) -> GroupCommitQueue<Waiter>.Request) async throws
        -> UInt64
    {
        while true {
            let outcome: UInt64? = try await withCheckedThrowingContinuation { continuation in
                let waiter = Waiter(continuation)
                condition.lock()
                let action = queue.enqueue(makeRequest(waiter))
                if case .enqueued = action { condition.signal() }
                condition.unlock()
                switch action {
                case .enqueued: break
                case .full: continuation.resume(returning: nil)
                case .reject(let error): continuation.resume(throwing: error)
                }
            }
            if let seq = outcome { return seq }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                condition.lock()
                // The writer may have drained the queue since the attempt: then retry at once.
                let stillFull = queue.queuedBytes > 0 && queue.queuedBytes + bytes > queue.maxQueuedBytes
                if stillFull { capacityWaiters.append(continuation) }
                condition.unlock()
                if !stillFull { continuation.resume() }
            }
        }
    }

    /// Stops accepting appends, commits what is queued, and stops the thread.
    func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            queue.beginClosing()
            if threadExited {
                condition.unlock()
                continuation.resume()
                return
            }
            finished.append(continuation)
            condition.signal()
            condition.unlock()
        }
    }

    private func run() {
        let maxEvents = options.maxFrameEvents
        let maxBytes = options.maxFrameBytes
        while true {
            condition.lock()
            while queue.isEmpty, case .running = queue.status { condition.wait() }
            if queue.isEmpty {
                break  // closing or failed, with nothing left; leaves the lock held
            }
            if options.groupCommitWindow > .zero, !queue.isFull(maxEvents: maxEvents, maxBytes: maxBytes) {
                let (seconds, attoseconds) = options.groupCommitWindow.components
                let deadline = Date(timeIntervalSinceNow: Double(seconds) + Double(attoseconds) / 1e18)
                while !queue.isFull(maxEvents: maxEvents, maxBytes: maxBytes), case .running = queue.status,
                    condition.wait(until: deadline)
                {}
            }
            let work = queue.takeWork(maxEvents: maxEvents, maxBytes: maxBytes)
            let unblocked = capacityWaiters
            capacityWaiters = []
            condition.unlock()
            for continuation in unblocked { continuation.resume() }

            switch work {
            case nil:
                continue
            case .rollSegment(let waiter):
                segments.requestRoll()
                waiter.continuation.resume(returning: segments.nextSeq - 1)
            case .beginEpoch(let epoch, let waiter):
                do {
                    try segments.beginEpoch(epoch)
                    waiter.continuation.resume(returning: segments.nextSeq - 1)
                } catch {
                    waiter.continuation.resume(throwing: error)
                }
            case .frames(let frames, _, let sync, let waiter):
                do {
                    let lastSeq = try segments.commitShipped(frames, sync: sync)
                    // Readers and followers see only what is durable.
                    if sync { commits.publish(lastSeq, latestTimeMicroseconds: segments.latestTimeMicroseconds) }
                    waiter.continuation.resume(returning: lastSeq)
                } catch let error as JournalError where error.code == .rejectedFrame {
                    // Refused before anything was written: the writer stays healthy.
                    waiter.continuation.resume(throwing: error)
                } catch {
                    fail(error, firstSeq: segments.nextSeq, waiters: [waiter])
                }
            case .write(let batch):
                let firstSeq = segments.nextSeq
                do {
                    let lastSeqs = try segments.commit(batch.map(\.events))
                    commits.publish(lastSeqs.last!, latestTimeMicroseconds: segments.latestTimeMicroseconds)
                    for (entry, lastSeq) in zip(batch, lastSeqs) {
                        entry.waiter.continuation.resume(returning: lastSeq)
                    }
                } catch {
                    fail(error, firstSeq: firstSeq, waiters: batch.map(\.waiter))
                }
            }
        }
        // Still holding the lock from the loop.
        let rest = queue.finishClosing()
        let blocked = capacityWaiters
        capacityWaiters = []
        threadExited = true
        let done = finished
        finished = []
        condition.unlock()
        segments.close()
        commits.close()
        for continuation in blocked { continuation.resume() }
        for waiter in rest {
            waiter.continuation.resume(throwing: JournalError(.writerClosed, "the journal is closed"))
        }
        for continuation in done { continuation.resume() }
    }

    /// Stops the writer after a failed write or sync: every waiting and later append gets the error.
    private func fail(_ error: any Error, firstSeq: UInt64, waiters: [Waiter]) {
        let failure = Self.describe(error, firstSeq: firstSeq)
        logger.critical("journal writer stopped", metadata: ["error": "\(failure)"])
        condition.lock()
        let rest = queue.fail(failure)
        let blocked = capacityWaiters
        capacityWaiters = []
        condition.unlock()
        for continuation in blocked { continuation.resume() }
        for waiter in waiters { waiter.continuation.resume(throwing: failure) }
        for waiter in rest { waiter.continuation.resume(throwing: failure) }
    }

    private static func describe(_ error: any Error, firstSeq: UInt64) -> JournalError {
        let underlying = error as? JournalError ?? JournalError(.io, "\(error)")
        var failure = underlying
        failure.message =
            "could not make events from seq \(firstSeq) durable: \(underlying.message); the writer has stopped and acknowledged nothing from seq \(firstSeq) on"
        if failure.location == nil { failure.location = .init(seq: firstSeq) }
        return failure
    }
}
