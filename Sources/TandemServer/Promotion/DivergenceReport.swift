import Foundation
import TandemEngine
import TandemJournal

/// What a superseded active did after the switch point, read from its divergent tail: the
/// operator's account of what the new active does not know about (and may need redoing).
public struct DivergenceReport: Sendable, Codable, Hashable {
    /// The last seq shared with the new active.
    public var switchSeq: UInt64
    /// The last seq of the divergent tail.
    public var lastSeq: UInt64
    /// Where the tail's segments were moved (never deleted).
    public var folder: String
    public var segments: [String]
    public var epochs: [UInt64]
    /// Runs that started in the tail.
    public var runs: [Run]
    /// Per connector, exports handed to the connected system in the tail (they may have taken).
    public var exportsAttempted: [String: Int]
    /// Per connector, exports whose success the tail records.
    public var exportsApplied: [String: Int]

    public struct Run: Sendable, Codable, Hashable {
        public var runID: UInt64
        public var connector: String?
        public var profile: String
        /// How it ended, if it did within the tail.
        public var status: String?

        public init(runID: UInt64, connector: String?, profile: String, status: String? = nil) {
            self.runID = runID
            self.connector = connector
            self.profile = profile
            self.status = status
        }
    }

    /// The file, in the tail's folder, where the report is kept beside the segments.
    public static let fileName = "DIVERGENCE.json"

    /// Reads the tail's events from its folder.
    public init(tail: DivergentTail) throws {
        switchSeq = tail.switchSeq
        lastSeq = tail.lastSeq
        folder = tail.folder
        segments = tail.segments
        epochs = tail.epochs
        runs = []
        exportsAttempted = [:]
        exportsApplied = [:]
        let cursor = try JournalReader(directory: tail.folder).cursor(from: tail.switchSeq + 1)
        while let stored = try cursor.nextEvent(through: tail.lastSeq) {
            switch try EngineEventCodec.decode(stored) {
            case .runStarted(let e)?:
                runs.append(Run(runID: e.runID, connector: e.connector, profile: e.profile.rawValue))
            case .runFinished(let e)?:
                if let index = runs.lastIndex(where: { $0.runID == e.runID }) { runs[index].status = e.status.rawValue }
            case .exportsAttempted(let e)?:
                exportsAttempted[e.connector, default: 0] += e.anchors.count
            case .exportResults(let e)?:
                let applied = e.results.filter { if case .applied = $0.outcome { true } else { false } }.count
                exportsApplied[e.connector, default: 0] += applied
            default:
                break
            }
        }
    }

    /// Writes the report as JSON into the tail's folder.
    public func save() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: folder).appendingPathComponent(Self.fileName))
    }

    /// A few lines for the operator.
    public var summary: String {
        var lines = [
            "divergent tail: seqs \(switchSeq + 1)–\(lastSeq) (epochs \(epochs.map(String.init).joined(separator: ", "))) moved to \(folder)"
        ]
        lines.append("runs in the tail: \(runs.count)")
        for connector in Set(exportsAttempted.keys).union(exportsApplied.keys).sorted() {
            lines.append(
                "  \(connector): \(exportsAttempted[connector] ?? 0) exports attempted, \(exportsApplied[connector] ?? 0) recorded as applied"
            )
        }
        if exportsAttempted.values.contains(where: { $0 > 0 }) {
            lines.append(
                "exports in the tail may have reached connected systems; the active's next imports will show them")
        }
        return lines.joined(separator: "\n")
    }
}

/// A superseded active becoming staging: its divergent tail goes aside, the rest follows the new active.
public enum Rejoin {
    /// Moves the events that `local` (a closed journal) holds beyond its switch point with the
    /// active's history aside, and reports them. Returns `nil` when nothing diverged (the journal
    /// only lags behind the active, and can simply follow it).
    ///
    /// - Parameter expectedChecksum: the active's chain checksum at the switch point, if known;
    ///   a mismatch means the journals are not copies of one another and nothing is moved.
    public static func setAsideDivergentTail(
        journalDirectory: String, active: EpochHistory, expectedChecksum: UInt32? = nil
    ) throws -> DivergenceReport? {
        let local = EpochHistory(try JournalReader(directory: journalDirectory))
        guard let switchSeq = local.divergence(from: active) else { return nil }
        guard
            let tail = try Journal.setAsideTail(
                directory: journalDirectory, after: switchSeq, expectedChecksum: expectedChecksum)
        else { return nil }
        let report = try DivergenceReport(tail: tail)
        try report.save()
        return report
    }
}
