/// The result of checking every byte of a journal: `tandem journal verify`.
public struct JournalVerification: Sendable {
    /// The overall verdict, from best to worst.
    public enum Verdict: String, Sendable, Comparable {
        case sound
        /// Only a torn tail: `tandem journal repair --truncate-torn-tail`, or opening for writing, fixes it.
        case tornTail = "torn tail"
        case corrupt

        public static func < (lhs: Verdict, rhs: Verdict) -> Bool {
            let order: [Verdict] = [.sound, .tornTail, .corrupt]
            return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
        }
    }

    public var directory: String
    public var segments: Int
    public var frames: Int
    public var events: UInt64
    public var firstSeq: UInt64?
    public var lastSeq: UInt64?
    public var findings: [JournalFinding]

    public var verdict: Verdict {
        if findings.contains(where: { $0.severity == .corruption }) { return .corrupt }
        return findings.isEmpty ? .sound : .tornTail
    }

    /// Reads and checks every segment, frame, checksum, chain link, seq and payload. Never writes.
    public static func verify(directory: String) throws -> JournalVerification {
        try verify(directory: directory, fileSystem: POSIXFileSystem())
    }

    package static func verify(directory: String, fileSystem: any JournalFileSystem) throws -> JournalVerification {
        let inventory = try JournalInventory.load(directory: directory, fileSystem: fileSystem, depth: .verify)
        let eventFrames = inventory.segments.flatMap(\.frames).filter(\.holdsEvents)
        return JournalVerification(
            directory: directory,
            segments: inventory.segments.count,
            frames: inventory.segments.reduce(0) { $0 + $1.frames.count },
            events: inventory.segments.reduce(0) { $0 + $1.eventCount },
            firstSeq: eventFrames.first?.firstSeq,
            lastSeq: eventFrames.last?.lastSeq,
            findings: inventory.findings)
    }
}

/// Sizes and ranges of a journal: `tandem journal stats`.
public struct JournalStatistics: Sendable, Codable {
    public var segments: Int
    public var frames: Int
    public var events: UInt64
    public var firstSeq: UInt64?
    public var lastSeq: UInt64?
    public var firstTimeMicroseconds: Int64?
    public var lastTimeMicroseconds: Int64?
    public var epochs: [UInt64]
    /// Bytes before compression: the inflated frame payloads, that is the events' payloads plus
    /// the few bytes of type, time and length each carries (Journal/FORMAT.md, "Event batch").
    public var rawBytes: Int64
    /// Bytes on disk in segment files, headers included.
    public var storedBytes: Int64
    /// `rawBytes / storedBytes`.
    public var compressionRatio: Double { storedBytes > 0 ? Double(rawBytes) / Double(storedBytes) : 0 }

    /// Reads frame headers (and sealed segments' indexes); inflates nothing.
    public static func collect(directory: String) throws -> JournalStatistics {
        let reader = try JournalReader(directory: directory)
        let segments = reader.inventory.segments
        let frames = segments.flatMap(\.frames).filter(\.holdsEvents)
        return JournalStatistics(
            segments: segments.count,
            frames: segments.reduce(0) { $0 + $1.frames.count },
            events: segments.reduce(0) { $0 + $1.eventCount },
            firstSeq: frames.first?.firstSeq,
            lastSeq: frames.last?.lastSeq,
            firstTimeMicroseconds: frames.map(\.earliestTimeMicroseconds).min(),
            lastTimeMicroseconds: frames.map(\.latestTimeMicroseconds).max(),
            epochs: Array(Set(segments.compactMap(\.header?.epoch))).sorted(),
            rawBytes: segments.reduce(0) { $0 + $1.rawEventBytes },
            storedBytes: segments.reduce(0) { $0 + $1.fileSize })
    }
}

/// Explicit repairs an operator asks for.
public enum JournalRepair {
    /// Cuts a torn tail (keeping a copy under `torn/`) while holding the writer lock.
    /// Returns the finding repaired, or `nil` if there was none. Refuses corruption.
    public static func truncateTornTail(directory: String) throws -> (finding: JournalFinding, keptCopy: String)? {
        let fileSystem = POSIXFileSystem()
        let lock = try fileSystem.lockExclusively(at: joinPath(directory, "LOCK"))
        defer { lock.release() }
        let (_, repair) = try JournalRecovery.recover(
            directory: directory, fileSystem: fileSystem, logger: JournalOptions().logger, depth: .verify)
        return repair.map { ($0.finding, $0.keptCopy) }
    }
}
