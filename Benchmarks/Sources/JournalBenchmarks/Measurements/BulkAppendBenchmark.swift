import BenchmarkSupport
import TandemJournal

/// Row 1: bulk appends with durable acknowledgment. Each batch is one `append(contentsOf:)`,
/// awaited (written and `fdatasync`ed) before the next is sent.
struct BulkAppendBenchmark {
    let batches: [[JournalEvent]]
    let options: JournalOptions

    /// Splits `events` into batches of `batchSize`.
    init(events: [JournalEvent], batchSize: Int, options: JournalOptions) {
        precondition(batchSize > 0)
        batches = stride(from: 0, to: events.count, by: batchSize).map {
            Array(events[$0..<min($0 + batchSize, events.count)])
        }
        self.options = options
    }

    /// Appends every batch to a new journal in `directory` (which must not exist); returns the
    /// seconds from the first append to the last acknowledgment. Opening and closing are not timed.
    func run(directory: String) async throws -> Double {
        let journal = try Journal.open(directory: directory, options: options)
        let clock = ContinuousClock()
        let start = clock.now
        do {
            for batch in batches {
                try await journal.append(contentsOf: batch)
            }
        } catch {
            await journal.close()
            throw error
        }
        let seconds = (clock.now - start).seconds
        let lastSeq = journal.lastSeq
        await journal.close()
        let expected = batches.reduce(0) { $0 + $1.count }
        guard lastSeq == UInt64(expected) else {
            throw BenchmarkFailure(
                "the journal in \(directory) ends at seq \(lastSeq), not \(expected): it was not new")
        }
        return seconds
    }
}
