import Foundation
import TandemJournal

extension EngineReplay {
    /// One decoded event, ready to apply.
    struct DecodedEvent: Sendable {
        var seq: UInt64
        var timeMicroseconds: Int64
        /// `nil` for an event type the engine does not know (skipped).
        var event: EngineEvent?
    }

    /// Folds the journal through `end` into `state`, reading, inflating and decoding events on a thread of
    /// their own while this one applies them: decoding is over half the work of a replay, and applying must
    /// stay in order on one thread. The result is the same as applying each event in turn.
    /// A restore event takes its state from `restoring` (the fold through the seq it names).
    /// Returns how many events were applied.
    @discardableResult
    static func replayPipelined(
        _ reader: JournalReader, from first: UInt64, through end: UInt64, into state: inout EngineState,
        restoring: (UInt64) throws -> EngineState
    ) throws -> Int {
        let pipe = DecodedEventPipe(capacityBytes: DecodedEventPipe.capacityBytes)
        let decoder = Thread {
            var chunk: [DecodedEvent] = []
            var chunkBytes = 0
            do {
                let cursor = try reader.cursor(from: first)
                chunk.reserveCapacity(DecodedEventPipe.chunkSize)
                while let stored = try cursor.nextEvent(through: end) {
                    let event = try EngineEventCodec.decode(stored)
                    chunk.append(
                        DecodedEvent(seq: stored.seq, timeMicroseconds: stored.event.timeMicroseconds, event: event))
                    chunkBytes += stored.event.payload.count
                    if chunk.count == DecodedEventPipe.chunkSize || chunkBytes >= DecodedEventPipe.chunkBytes {
                        guard pipe.put(.events(chunk), bytes: chunkBytes) else { return }
                        chunk = []
                        chunkBytes = 0
                        chunk.reserveCapacity(DecodedEventPipe.chunkSize)
                    }
                }
                if !chunk.isEmpty { guard pipe.put(.events(chunk), bytes: chunkBytes) else { return } }
                _ = pipe.put(.end)
            } catch {
                // The events before the bad one are applied first, as a replay one event at a time would.
                if !chunk.isEmpty { guard pipe.put(.events(chunk), bytes: chunkBytes) else { return } }
                _ = pipe.put(.failed(error))
            }
        }
        decoder.name = "tandem-replay-decoder"
        decoder.start()
        defer { pipe.close() }  // stops the decoder if applying fails
        var applied = 0
        while true {
            switch pipe.take() {
            case .events(let events):
                for decoded in events {
                    applied += 1
                    guard let event = decoded.event else { continue }
                    if case .restored(let restore) = event {
                        guard restore.toSeq < decoded.seq else {
                            throw EngineError(
                                .inconsistentJournal, "restore to seq \(restore.toSeq) is not before itself",
                                seq: decoded.seq)
                        }
                        state.adoptRestored(restore, from: try restoring(restore.toSeq), seq: decoded.seq)
                    } else {
                        try state.apply(event, seq: decoded.seq, timeMicroseconds: decoded.timeMicroseconds)
                    }
                }
            case .end:
                return applied
            case .failed(let error):
                throw error
            }
        }
    }
}

/// A bounded queue of decoded chunks from the decoder thread to the applying one.
///
/// It holds at most ``capacityItems`` chunks of ``chunkSize`` events (128 events) and at most
/// ``capacityBytes`` of their inflated payloads, whichever binds first, and lets go of a chunk as soon as it
/// is taken. Until 2026-12-06 a taken chunk stayed in the queue's array until 64 slots were reclaimed, so up to
/// 1,000 decoded events were alive beside the state being built: 180 MiB at 100,000 people. A tighter bound
/// by bytes alone (16 MiB) saved 35 MiB more there but slowed a restore at 1M people from 9.4–9.9 s to
/// 11.0–13.6 s (same hour): a run of events slow to decode drained the little the decoder had got ahead.
final class DecodedEventPipe: @unchecked Sendable {
    enum Item: @unchecked Sendable {
        case events([EngineReplay.DecodedEvent])
        case end
        case failed(any Error)
    }

    /// Events per chunk: enough to make the hand-over cheap, few enough to keep both threads busy.
    static let chunkSize = 16
    /// A chunk also ends once its events' inflated payloads reach this many bytes.
    static let chunkBytes = 16 << 20
    /// Chunks the queue holds before the decoder waits.
    static let capacityItems = 8
    /// Inflated payload bytes the queue holds before the decoder waits (decoded, several times that): binds
    /// only on unusually heavy events; a million-person journal's heaviest hold about 400 KB.
    static let capacityBytes = 64 << 20

    private let condition = NSCondition()
    private var items: [(item: Item, bytes: Int)] = []
    private var head = 0
    private var queuedBytes = 0
    private var closed = false
    private let capacityBytes: Int
    private let capacityItems: Int

    init(capacityBytes: Int, capacityItems: Int = DecodedEventPipe.capacityItems) {
        self.capacityBytes = capacityBytes
        self.capacityItems = capacityItems
    }

    /// Waits for room and adds `item`, which weighs `bytes`; `false` if the reader has gone (then stop).
    /// An empty queue always takes an item, however heavy.
    func put(_ item: Item, bytes: Int = 0) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count > head && (items.count - head >= capacityItems || queuedBytes + bytes > capacityBytes)
            && !closed
        {
            condition.wait()
        }
        guard !closed else { return false }
        items.append((item, bytes))
        queuedBytes += bytes
        condition.broadcast()
        return true
    }

    /// Waits for the next item.
    func take() -> Item {
        condition.lock()
        defer { condition.unlock() }
        while items.count == head { condition.wait() }
        let (item, bytes) = items[head]
        items[head] = (.end, 0)  // the applied events are not held until the slots are reclaimed
        queuedBytes -= bytes
        head += 1
        if head > 64 {
            items.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        return item
    }

    /// The reader is done: the writer's next `put` returns `false`.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
