import Logging
import TandemJournal

/// The tail of the object index: the objects touched since the index's covered seq, written from
/// the engine's records at the end of every run (``ObjectIndexAccumulator``), so that `explain`
/// scans only the few events after the last run rather than all those since the last checkpoint.
/// The next checkpoint merges the records into the index itself and removes the tail.
extension ObjectHistoryIndex {
    /// The tail file's name in the checkpoint directory.
    public static let tailFileName = "objects.tail.idx"

    /// The most events an opening engine reads back to continue the tail.
    static let maximumResumeScan: UInt64 = 256

    /// The tail at `directory` if it continues `index` on `reader`'s journal: it starts at the
    /// index's covered seq and its own coverage matches the journal. Anything else (none, damaged,
    /// left from before the last checkpoint, a replaced journal tail) is `nil`.
    static func tail(at directory: String, continuing index: ObjectIndexFile, _ reader: JournalReader)
        -> ObjectIndexFile?
    {
        guard let tail = try? ObjectIndexFile.open(path: directory + "/" + tailFileName),
            tail.baseSeq == index.coveredSeq, tail.coveredSeq > tail.baseSeq, matches(tail, reader)
        else { return nil }
        return tail
    }

    /// Writes the tail from `accumulated` when it continues the index at `directory` (nothing
    /// otherwise: the next checkpoint reads back what the records miss).
    ///
    /// - Returns: whether a tail was written.
    @discardableResult
    public static func writeTail(directory: String, reader: JournalReader, from accumulated: ObjectIndexAccumulator)
        throws
        -> Bool
    {
        guard !accumulated.isEmpty, accumulated.firstSeq > 1, let journalID = reader.journalID,
            let index = try? ObjectIndexFile.open(path: directory + "/" + fileName), matches(index, reader),
            index.coveredSeq == accumulated.firstSeq - 1, accumulated.lastSeq <= reader.lastSeq,
            epoch(at: accumulated.lastSeq, reader) == accumulated.lastEpoch
        else { return false }
        try ObjectIndexFile.write(
            path: directory + "/" + tailFileName, journalID: journalID, baseSeq: index.coveredSeq,
            coveredSeq: accumulated.lastSeq, coveredEpoch: accumulated.lastEpoch, sharedSeqs: accumulated.sharedSeqs,
            entries: accumulated.entries())
        return true
    }

    /// The records an engine opening on `reader`'s journal (through `lastSeq`) starts from: the
    /// tail's, and the events after the tail read from the journal (normally none: the tail is
    /// written at the end of every run). Without a usable index and tail, the records start
    /// empty after `lastSeq`, and the next checkpoint reads the events it lacks from the journal.
    ///
    /// - Returns: the records and the number of events read from the journal.
    static func resume(directory: String, reader: JournalReader, through lastSeq: UInt64, logger: Logger? = nil)
        -> (accumulator: ObjectIndexAccumulator, scanned: Int)
    {
        let empty = ObjectIndexAccumulator(startingAt: lastSeq + 1)
        guard let index = try? ObjectIndexFile.open(path: directory + "/" + fileName), matches(index, reader),
            index.coveredSeq <= lastSeq
        else { return (empty, 0) }
        var accumulator = ObjectIndexAccumulator(startingAt: index.coveredSeq + 1)
        var scanned = 0
        do {
            if let tail = tail(at: directory, continuing: index, reader), tail.coveredSeq <= lastSeq {
                try accumulator.adopt(tail)
            }
            // A crash in a run leaves many events after the tail: reading them back would slow the
            // start-up, so the next checkpoint reads them instead.
            guard lastSeq - accumulator.lastSeq <= maximumResumeScan else { return (empty, 0) }
            let cursor = try reader.cursor(from: accumulator.lastSeq + 1)
            while let stored = try cursor.nextEvent(through: lastSeq) {
                scanned += 1
                guard let event = try EngineEventCodec.decode(stored) else {
                    accumulator.skip(seq: stored.seq, epoch: stored.epoch)
                    continue
                }
                accumulator.record(event, seq: stored.seq, epoch: stored.epoch)
            }
        } catch {
            logger?.warning(
                "could not read the object index tail back; the next checkpoint reads the journal instead",
                metadata: ["error": "\(error)"])
            return (empty, scanned)
        }
        guard accumulator.lastSeq == lastSeq else { return (empty, scanned) }
        return (accumulator, scanned)
    }
}
