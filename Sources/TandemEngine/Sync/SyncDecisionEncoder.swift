import Dispatch
import Synchronization
import TandemJournal

/// Encodes a sync run's decisions into `SyncDecisions` journal events on another thread while the
/// run goes on, so that encoding (an eighth of a full sync's time on the engine's thread) overlaps
/// computing the next decisions instead of following them, and appends them to the journal as they
/// come, so that a large run never holds its encoded decisions (a million people's full sync made
/// about 2 GB of them).
///
/// The synchronizer hands over its decisions in order, `decisionsPerEvent` at a time (the last
/// group may be shorter); each group becomes one event, encoded on one serial queue, so the events
/// come out in the order of the decisions and hold exactly what encoding the whole run's decisions
/// in groups of `decisionsPerEvent` afterwards would: the same journal, byte for byte, apart from
/// each event's time. Events are appended in order, several per append (one `fdatasync` shared by
/// up to `bytesPerAppend` of payload), by one task; at most ``appendsInFlight`` appends wait, so
/// encoding pauses when the journal falls behind. After an append fails, nothing more is appended.
///
/// The engine adopts the run's state only after ``finish()``, so appending during the run changes
/// nothing it shows; a run that fails rebuilds its state from the journal (``abandon()`` first).
package final class SyncDecisionEncoder: Sendable {
    /// One encoded event, with the event itself when the caller needs it (the object index).
    package struct Encoded: Sendable {
        package var journalEvent: JournalEvent
        package var event: EngineEvent?
    }

    /// What the run appended.
    package struct Appended: Sendable {
        /// The seq of the last event appended; `nil` if none was.
        package var lastSeq: UInt64?
        /// The events appended with their seqs, when the encoder keeps events.
        package var events: [(events: [EngineEvent], seqs: ClosedRange<UInt64>)] = []
        /// Why appending stopped, if it did.
        package var error: (any Error)?
    }

    package let runID: UInt64
    package let decisionsPerEvent: Int
    private let keepsEvents: Bool
    private let bytesPerAppend: Int
    private let queue = DispatchQueue(label: "tandem.sync.decision-encoder")
    /// Encoded events not yet handed to the appender, and their payload bytes (touched on `queue`).
    private let group = Mutex<(events: [Encoded], bytes: Int)>(([], 0))
    private let appends: AsyncStream<[Encoded]>.Continuation
    private let appender: Task<Appended, Never>
    /// Free places for appends handed over and not yet done.
    private let places: DispatchSemaphore
    private let abandoned = Atomic<Bool>(false)

    /// How many groups of events may wait for the journal before encoding pauses.
    package static var appendsInFlight: Int { 4 }

    /// - Parameter keepsEvents: also keep each appended `EngineEvent` (holding its decisions until the
    ///   run ends, for the object index); without it nothing is kept.
    package init(runID: UInt64, decisionsPerEvent: Int, keepsEvents: Bool, journal: Journal, bytesPerAppend: Int) {
        precondition(decisionsPerEvent > 0, "an event holds at least one decision")
        self.runID = runID
        self.decisionsPerEvent = decisionsPerEvent
        self.keepsEvents = keepsEvents
        self.bytesPerAppend = max(1, bytesPerAppend)
        let places = DispatchSemaphore(value: Self.appendsInFlight)
        self.places = places
        let (stream, continuation) = AsyncStream<[Encoded]>.makeStream()
        appends = continuation
        appender = Task {
            var appended = Appended()
            for await events in stream {
                defer { places.signal() }
                guard appended.error == nil else { continue }
                do {
                    let seqs = try await journal.append(contentsOf: events.map(\.journalEvent))
                    appended.lastSeq = seqs.upperBound
                    if keepsEvents { appended.events.append((events.compactMap(\.event), seqs)) }
                } catch {
                    appended.error = error
                }
            }
            return appended
        }
    }

    /// Queues the next group of decisions for encoding as one event.
    package func submit(_ decisions: [SyncDecision]) {
        guard !decisions.isEmpty else { return }
        queue.async { [self] in
            let event = EngineEvent.syncDecisions(SyncDecisions(runID: runID, decisions: decisions))
            let journalEvent = EngineEventCodec.encode(event, timeMicroseconds: JournalClock.nowMicroseconds())
            let encoded = Encoded(journalEvent: journalEvent, event: keepsEvents ? event : nil)
            let full = group.withLock { group -> [Encoded]? in
                group.events.append(encoded)
                group.bytes += journalEvent.payload.count
                guard group.bytes >= bytesPerAppend else { return nil }
                defer { group = ([], 0) }
                return group.events
            }
            if let full { handOver(full) }
        }
    }

    /// Gives a group of events to the appender, waiting while too many are in flight (on `queue`).
    private func handOver(_ events: [Encoded]) {
        guard !abandoned.load(ordering: .relaxed) else { return }
        places.wait()
        appends.yield(events)
    }

    /// Appends nothing not yet handed to the appender (the appends in flight still finish): for a run
    /// that failed, whose state is rebuilt from the journal.
    package func abandon() { abandoned.store(true, ordering: .relaxed) }

    /// Waits until every queued group is encoded and appended (or skipped, after a failure or
    /// ``abandon()``) and says what was appended.
    package func finish() async -> Appended {
        // On the queue, after every group submitted; it may wait for the appender, so no thread of the
        // cooperative pool (which the appender needs) waits for it.
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            queue.async { [self] in
                let rest = group.withLock { group in
                    defer { group = ([], 0) }
                    return group.events
                }
                if !rest.isEmpty { handOver(rest) }
                appends.finish()
                done.resume()
            }
        }
        return await appender.value
    }
}
