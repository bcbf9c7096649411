import struct Foundation.UUID

/// Reads a journal directory without taking the writer lock: from any seq, following frames
/// as they are appended. Sealed segments' index files locate a seq without reading from seq 1.
public final class JournalReader: Sendable {
    public let directory: String
    let fileSystem: any JournalFileSystem
    let inventory: JournalInventory

    /// Opens a reader over `directory`. A torn tail is not an error for a reader (the writer
    /// repairs it); corruption is reported when the reader reaches it.
    public convenience init(directory: String) throws {
        try self.init(directory: directory, fileSystem: POSIXFileSystem())
    }

    package init(directory: String, fileSystem: any JournalFileSystem) throws {
        self.directory = directory
        self.fileSystem = fileSystem
        self.inventory = try JournalInventory.load(directory: directory, fileSystem: fileSystem, depth: .open)
    }

    public var journalID: UUID? { inventory.journalID }
    /// The oldest seq the journal holds (1 unless retention removed segments or the journal was
    /// based on a checkpoint); `nil` if empty. An empty based journal answers its base seq + 1.
    public var firstSeq: UInt64? {
        inventory.segments.first(where: { $0.eventCount > 0 })?.frames.first(where: \.holdsEvents)?.firstSeq
            ?? inventory.start?.firstSeq
    }
    /// The newest seq on disk when the reader was opened; 0 if empty (the base seq for an empty based journal).
    public var lastSeq: UInt64 {
        inventory.segments.reversed().lazy.compactMap(\.lastSeq).first ?? inventory.start.map { $0.firstSeq - 1 } ?? 0
    }
    /// Where the journal starts when not at seq 1 (retention's record or a based journal's base).
    public var start: JournalStart? { inventory.start.map(JournalStart.init) }

    /// A cursor positioned at `seq`. `seq` may be one past the last seq, to wait for the next event.
    public func cursor(from seq: UInt64) throws -> JournalCursor {
        guard seq >= 1 else { throw JournalError(.invalidArgument, "sequence numbers start at 1, not \(seq)") }
        let segments = inventory.segments.filter { $0.header != nil }
        if let start = inventory.start, seq < start.firstSeq {
            throw Self.beforeStart(seq, start: start)
        }
        guard !segments.isEmpty else {
            let first = inventory.start?.firstSeq ?? 1
            guard seq == first else {
                throw JournalError(
                    .notFound, "the journal is empty; seq \(seq) does not exist (the next seq is \(first))")
            }
            return JournalCursor(
                directory: directory, fileSystem: fileSystem, start: nil, seq: seq,
                previousChecksum: inventory.start?.previousChecksum)
        }
        if let first = segments.first?.header?.firstSeq, seq < first {
            throw JournalError(
                .notFound,
                "seq \(seq) is older than the oldest seq the journal holds (\(first)); it was removed by retention")
        }
        // The last segment whose first seq is at or before `seq`, then the frame holding it.
        let segmentIndex = segments.lastIndex { $0.header!.firstSeq <= seq }!
        let segment = segments[segmentIndex]
        if let last = segment.lastSeq, seq > last + 1, segmentIndex == segments.count - 1 {
            throw JournalError(.notFound, "seq \(seq) is beyond the end of the journal (last seq \(last))")
        }
        let frames = segment.frames
        var low = 0
        var high = frames.count
        while low < high {  // first frame whose last seq >= seq
            let mid = (low + high) / 2
            if frames[mid].holdsEvents && frames[mid].lastSeq >= seq
                || !frames[mid].holdsEvents && frames[mid].firstSeq > seq
            {
                high = mid
            } else {
                low = mid + 1
            }
        }
        let offset: Int64
        let previous: UInt32
        if low < frames.count {
            offset = frames[low].offset
            previous = frames[low].previousChecksum
        } else {
            offset = segment.validEnd
            previous = segment.lastChecksum ?? 0
        }
        return JournalCursor(
            directory: directory, fileSystem: fileSystem, start: (segment.name, offset), seq: seq,
            previousChecksum: previous)
    }

    /// The error for a seq before the journal's recorded start: it names the start and why.
    static func beforeStart(_ seq: UInt64, start: RetainedStart) -> JournalError {
        let why =
            start.epoch != nil
            ? "the journal is based on a checkpoint at seq \(start.firstSeq - 1) (it was bootstrapped from it)"
            : "older events were removed by retention"
        return JournalError(
            .notFound,
            "seq \(seq) is before the start of the journal, which holds seqs \(start.firstSeq) onward: \(why); "
                + "the state at seq \(start.firstSeq - 1) or later can be rebuilt from a checkpoint")
    }

    /// The events with seqs in `range` that are on disk now.
    public func events(in range: ClosedRange<UInt64>) throws -> [StoredEvent] {
        let cursor = try self.cursor(from: range.lowerBound)
        var events: [StoredEvent] = []
        while let event = try cursor.nextEvent(through: range.upperBound) { events.append(event) }
        return events
    }

    /// The frame summaries of every segment, in order, for stats and time lookups.
    public var segmentSummaries: [(segment: String, header: SegmentHeader?, fileSize: Int64, frames: [FrameSummary])] {
        inventory.segments.map { ($0.name.fileName, $0.header, $0.fileSize, $0.frames) }
    }

    /// The first seq whose frame may hold events at or after `timeMicroseconds`, found from
    /// frame headers without inflating anything.
    public func firstSeq(atOrAfter timeMicroseconds: Int64) -> UInt64? {
        for segment in inventory.segments {
            for frame in segment.frames where frame.holdsEvents && frame.latestTimeMicroseconds >= timeMicroseconds {
                return frame.firstSeq
            }
        }
        return nil
    }
}
