import TandemJournal

/// How long the journal and checkpoints are kept (`retention:` in tandem.yaml).
public struct RetentionPolicy: Hashable, Sendable {
    /// Stretches older than this are removed (`nil`: no age limit).
    public var maxAge: Duration?
    /// The oldest stretches are removed while the journal and checkpoints are larger (`nil`: no size limit).
    public var maxBytes: Int64?
    /// The advertised restore window: any time within it stays restorable, whatever the other limits say.
    public var restoreWindow: Duration

    public init(maxAge: Duration? = nil, maxBytes: Int64? = nil, restoreWindow: Duration = .seconds(86_400)) {
        self.maxAge = maxAge
        self.maxBytes = maxBytes
        self.restoreWindow = restoreWindow
    }
}

/// What retention keeps and removes. Retention cuts only at a checkpoint: it removes the
/// segments wholly before the cut checkpoint's seq and the checkpoints before it, so a restore
/// to any seq from the cut on still finds a checkpoint and every event after it. The cut is never
/// later than the last event at or before the start of the advertised restore window.
public struct RetentionPlan: Sendable {
    public struct Segment: Sendable, Hashable {
        public var name: String
        public var bytes: Int64
        public var firstSeq: UInt64
        public var lastSeq: UInt64
    }

    public var policy: RetentionPolicy
    /// The checkpoint retention cuts at (`nil`: nothing is removed).
    public var cut: CheckpointHeader?
    public var keptSegments: [Segment] = []
    public var removedSegments: [Segment] = []
    public var keptCheckpoints: [CheckpointHeader] = []
    public var removedCheckpoints: [CheckpointHeader] = []
    /// The start of the advertised window (µs since 1970).
    public var windowStartMicroseconds: Int64
    /// The oldest seq a restore reaches once the plan is applied, and its time.
    public var oldestRestorableSeq: UInt64?
    public var oldestRestorableTime: Int64?
    /// The advertised window alone is larger than `maxBytes`: the size limit cannot be met.
    public var windowExceedsMaxBytes = false

    public var keptBytes: Int64 { keptSegments.reduce(0) { $0 + $1.bytes } }
    public var removedBytes: Int64 { removedSegments.reduce(0) { $0 + $1.bytes } }

    /// Works out what `policy` keeps of the journal `reader` reads and `checkpoints`, at `now` (µs).
    public static func make(
        reader: JournalReader, checkpoints: EngineCheckpoints, policy: RetentionPolicy, now: Int64
    ) throws -> RetentionPlan {
        let windowStart = now - micros(policy.restoreWindow)
        var plan = RetentionPlan(policy: policy, windowStartMicroseconds: windowStart)
        let firstSeq = reader.firstSeq ?? 1
        let usable = checkpoints.soundHeaders().filter {
            $0.journalID == reader.journalID && $0.seq <= reader.lastSeq && $0.seq + 1 >= firstSeq
        }
        var segments: [Segment] = []
        for summary in reader.segmentSummaries {
            guard let header = summary.header else { continue }
            let last = summary.frames.last { $0.count > 0 }?.lastSeq ?? header.firstSeq - 1
            segments.append(
                Segment(name: summary.segment, bytes: summary.fileSize, firstSeq: header.firstSeq, lastSeq: last))
        }
        // The newest checkpoint retention may cut at: at or before the window's first state.
        let windowSeq = try EngineReplay.lastSeq(atOrBefore: windowStart, reader: reader) ?? 0
        let allowed = usable.filter { $0.seq <= windowSeq }
        var cut: CheckpointHeader?
        if let maxAge = policy.maxAge {
            cut = allowed.last { $0.timeMicroseconds <= now - micros(maxAge) }
        }
        if let maxBytes = policy.maxBytes {
            func bytesKept(from seq: UInt64) -> Int64 {
                segments.filter { !removable($0, seq, segments) }.reduce(0) { $0 + $1.bytes }
            }
            let fitting = allowed.first { bytesKept(from: $0.seq) <= maxBytes }
            if bytesKept(from: 0) > maxBytes {
                if let fitting {
                    if cut == nil || fitting.seq > cut!.seq { cut = fitting }
                } else {
                    plan.windowExceedsMaxBytes = true
                    if let newest = allowed.last, cut == nil || newest.seq > cut!.seq { cut = newest }
                }
            }
        }
        plan.cut = cut
        let cutSeq = cut?.seq ?? 0
        for segment in segments {
            if cut != nil && removable(segment, cutSeq, segments) {
                plan.removedSegments.append(segment)
            } else {
                plan.keptSegments.append(segment)
            }
        }
        for header in checkpoints.soundHeaders() {
            if cut != nil && header.seq < cutSeq {
                plan.removedCheckpoints.append(header)
            } else {
                plan.keptCheckpoints.append(header)
            }
        }
        let keptFirst = plan.keptSegments.first?.firstSeq ?? firstSeq
        if let cut, keptFirst > 1 {
            plan.oldestRestorableSeq = cut.seq
            plan.oldestRestorableTime = cut.timeMicroseconds
        } else {
            let window = RestoreWindow(reader: reader, checkpoints: checkpoints)
            plan.oldestRestorableSeq = window.oldestSeq
            plan.oldestRestorableTime = window.oldestTime
        }
        return plan
    }

    /// Whether `segment` lies wholly at or before `seq` and is not the newest or after a kept one.
    private static func removable(_ segment: Segment, _ seq: UInt64, _ all: [Segment]) -> Bool {
        guard let index = all.firstIndex(of: segment), index < all.count - 1 else { return false }
        return all[...index].allSatisfy { $0.lastSeq <= seq }
    }

    static func micros(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
    }

    /// Removes what the plan removes: segments first (through the journal's writer), then checkpoints.
    public func apply(journal: Journal, checkpoints: EngineCheckpoints) throws {
        guard let cut else { return }
        _ = try journal.removeSegments(through: cut.seq)
        for header in removedCheckpoints { try checkpoints.store.remove(seq: header.seq) }
    }
}
