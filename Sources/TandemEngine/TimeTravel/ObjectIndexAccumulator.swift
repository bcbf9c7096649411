import TandemJournal

/// The objects touched by the events the engine appended since the object index last covered the
/// journal, collected from the events while they are still in memory, so that extending the index
/// decodes nothing.
///
/// It covers a contiguous stretch of seqs, `firstSeq` through `lastSeq`. An event recorded out of
/// order (an append whose outcome was unknown, events written by someone else) starts a new
/// stretch: the seqs before it are then read from the journal when the index is extended.
///
/// Compact because an initial sync touches millions of objects: each object is numbered once, and
/// each touch is one `UInt64` (the object's number and the seq's offset from `firstSeq`).
public struct ObjectIndexAccumulator: Sendable {
    /// The first seq of the stretch; the index must cover the seq before it.
    public private(set) var firstSeq: UInt64
    /// The last seq recorded (`firstSeq - 1` when nothing is).
    public private(set) var lastSeq: UInt64
    /// The epoch of the event at `lastSeq`.
    public private(set) var lastEpoch: UInt64 = 0
    /// The restores recorded: they concern every object.
    private(set) var sharedSeqs: [UInt64] = []
    private var numbers: [ObjectReference: UInt32] = [:]
    /// `number << 32 | (seq - firstSeq)`, one per object per event; each object's ascend by seq.
    private var touches: [UInt64] = []

    /// An empty stretch starting at `firstSeq`.
    public init(startingAt firstSeq: UInt64) {
        self.firstSeq = firstSeq
        self.lastSeq = firstSeq - 1
    }

    /// Whether nothing is recorded.
    public var isEmpty: Bool { lastSeq < firstSeq }

    /// How many objects the stretch touches.
    public var objectCount: Int { numbers.count }

    /// Records the event at `seq`, written under `epoch`.
    public mutating func record(_ event: EngineEvent, seq: UInt64, epoch: UInt64) {
        if seq != lastSeq + 1 || seq - firstSeq >= UInt64(UInt32.max) {
            self = ObjectIndexAccumulator(startingAt: seq)
        }
        lastSeq = seq
        lastEpoch = epoch
        if case .restored = event {
            sharedSeqs.append(seq)
            return
        }
        let references = ObjectHistoryIndex.references(of: event)
        guard !references.isEmpty else { return }
        let offset = seq - firstSeq
        var touched: [UInt64] = []
        touched.reserveCapacity(references.count)
        for reference in references {
            let number: UInt32
            if let known = numbers[reference] {
                number = known
            } else {
                precondition(numbers.count < Int(UInt32.max), "the object index accumulator numbers objects in 32 bits")
                number = UInt32(numbers.count)
                numbers[reference] = number
            }
            touched.append(UInt64(number) << 32 | offset)
        }
        // An event names an object once in the index however many of its decisions touch it.
        touched.sort()
        var previous: UInt64?
        for touch in touched where touch != previous {
            touches.append(touch)
            previous = touch
        }
    }

    /// Records an event that touches nothing this build knows of.
    mutating func skip(seq: UInt64, epoch: UInt64) {
        if seq != lastSeq + 1 { self = ObjectIndexAccumulator(startingAt: seq) }
        lastSeq = seq
        lastEpoch = epoch
    }

    /// Takes over a tail written from earlier records: it must start where this stretch does and
    /// nothing may be recorded yet.
    mutating func adopt(_ tail: ObjectIndexFile) throws {
        precondition(isEmpty && tail.baseSeq + 1 == firstSeq, "a tail is adopted by an empty stretch it starts")
        for entry in try tail.allEntries() {
            guard let reference = ObjectReference(key: entry.key), numbers[reference] == nil,
                entry.seqs.allSatisfy({ $0 > tail.baseSeq && $0 <= tail.coveredSeq })
            else {
                self = ObjectIndexAccumulator(startingAt: firstSeq)
                throw EngineError(.inconsistentJournal, "the object index tail lists a key or seq it cannot hold")
            }
            let number = UInt32(numbers.count)
            numbers[reference] = number
            for seq in entry.seqs { touches.append(UInt64(number) << 32 | (seq - firstSeq)) }
        }
        sharedSeqs = tail.sharedSeqs
        lastSeq = tail.coveredSeq
        lastEpoch = tail.coveredEpoch
    }

    /// The recorded touches as index entries, in key order.
    func entries() -> [ObjectIndexFile.Entry] {
        var seqs = [[UInt64]](repeating: [], count: numbers.count)
        // Each object's touches ascend by seq, so its seqs come out ascending.
        for touch in touches {
            seqs[Int(touch >> 32)].append(firstSeq + (touch & 0xFFFF_FFFF))
        }
        var entries: [ObjectIndexFile.Entry] = []
        entries.reserveCapacity(numbers.count)
        for (reference, number) in numbers {
            entries.append(ObjectIndexFile.Entry(key: reference.key, seqs: seqs[Int(number)]))
        }
        entries.sort { $0.key.lexicographicallyPrecedes($1.key) }
        return entries
    }
}
