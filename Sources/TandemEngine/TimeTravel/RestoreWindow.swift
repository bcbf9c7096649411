import Foundation
import TandemJournal

/// How far back a restore can reach: to seq 1 while the journal starts there, else to the oldest
/// sound checkpoint from which the retained journal continues.
public struct RestoreWindow: Sendable {
    /// The oldest seq a restore can target; `nil` if none (the journal starts after seq 1 and no
    /// checkpoint bridges the gap).
    public var oldestSeq: UInt64?
    /// The time of the event at `oldestSeq`, when known.
    public var oldestTime: Int64?
    /// The newest seq.
    public var lastSeq: UInt64

    public init(reader: JournalReader, checkpoints: EngineCheckpoints?) {
        lastSeq = reader.lastSeq
        let firstSeq = reader.firstSeq ?? 1
        if firstSeq <= 1 {
            oldestSeq = 1
            let first = reader.segmentSummaries.lazy.flatMap(\.frames).first { $0.count > 0 }
            oldestTime = first?.earliestTimeMicroseconds
        } else if let checkpoint = checkpoints?.soundHeaders().first(where: {
            $0.seq >= firstSeq - 1 && $0.seq <= reader.lastSeq && $0.journalID == reader.journalID
        }) {
            oldestSeq = checkpoint.seq
            oldestTime = checkpoint.timeMicroseconds
        }
    }

    /// `2026-11-25T09:00:00Z`, for messages.
    static func format(_ micros: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: Double(micros) / 1_000_000))
    }
}
