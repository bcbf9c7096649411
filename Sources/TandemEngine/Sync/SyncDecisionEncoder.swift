import Dispatch
import Synchronization
import TandemJournal

/// Encodes a sync run's decisions into `SyncDecisions` journal events on another thread while the
/// run goes on, so that encoding (an eighth of a full sync's time on the engine's thread) overlaps
/// computing the next decisions instead of following them.
///
/// The synchronizer hands over its decisions in order, `decisionsPerEvent` at a time (the last
/// group may be shorter); each group becomes one event, encoded on one serial queue, so the events
/// come out in the order of the decisions and hold exactly what encoding the whole run's decisions
/// in groups of `decisionsPerEvent` afterwards would: the same journal, byte for byte, apart from
/// each event's time. Nothing is appended here; the engine appends the events once the run is done.
package final class SyncDecisionEncoder: Sendable {
    /// One encoded event, with the event itself when the caller needs it (the object index).
    package struct Encoded: Sendable {
        package var journalEvent: JournalEvent
        package var event: EngineEvent?
    }

    package let runID: UInt64
    package let decisionsPerEvent: Int
    private let keepsEvents: Bool
    private let queue = DispatchQueue(label: "tandem.sync.decision-encoder")
    private let encoded = Mutex<[Encoded]>([])

    /// - Parameter keepsEvents: also keep each `EngineEvent` (holding its decisions until the run is
    ///   appended); without it only the encoded bytes are kept.
    package init(runID: UInt64, decisionsPerEvent: Int, keepsEvents: Bool) {
        precondition(decisionsPerEvent > 0, "an event holds at least one decision")
        self.runID = runID
        self.decisionsPerEvent = decisionsPerEvent
        self.keepsEvents = keepsEvents
    }

    /// Queues the next group of decisions for encoding as one event.
    package func submit(_ decisions: [SyncDecision]) {
        guard !decisions.isEmpty else { return }
        queue.async { [self] in
            let event = EngineEvent.syncDecisions(SyncDecisions(runID: runID, decisions: decisions))
            let journalEvent = EngineEventCodec.encode(event, timeMicroseconds: JournalClock.nowMicroseconds())
            let result = Encoded(journalEvent: journalEvent, event: keepsEvents ? event : nil)
            encoded.withLock { $0.append(result) }
        }
    }

    /// Waits for every queued group and hands over the events in order (emptying the encoder).
    package func finish() -> [Encoded] {
        queue.sync {}
        return encoded.withLock { events in
            defer { events = [] }
            return events
        }
    }
}
