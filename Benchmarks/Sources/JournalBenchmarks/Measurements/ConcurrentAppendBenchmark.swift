import BenchmarkSupport
import TandemJournal

/// Row 2: single-event appends from many concurrent tasks, each awaiting its acknowledgment
/// before sending its next event, so that durability is shared only through group commit.
struct ConcurrentAppendBenchmark {
    /// What one pass measured.
    struct Result {
        var seconds: Double
        /// Every append's latency from call to acknowledgment, in seconds (in no particular order).
        var latencies: [Double]
        /// Frames written, each one `fdatasync`: events ÷ frames is the mean size of a commit group.
        var frames: Int
    }

    let events: [JournalEvent]
    let taskCount: Int
    let options: JournalOptions

    /// Appends `events` one at a time from `taskCount` tasks to a new journal in `directory`.
    /// Task `t` appends events `t`, `t + taskCount`, `t + 2·taskCount`, …
    func run(directory: String) async throws -> Result {
        let journal = try Journal.open(directory: directory, options: options)
        let shares = (0..<taskCount).map { task in
            stride(from: task, to: events.count, by: taskCount).map { events[$0] }
        }
        let clock = ContinuousClock()
        let start = clock.now
        let latencies: [Double]
        do {
            latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
                for share in shares {
                    group.addTask { try await Self.appendOneByOne(share, to: journal) }
                }
                var all: [Double] = []
                all.reserveCapacity(events.count)
                for try await taskLatencies in group { all.append(contentsOf: taskLatencies) }
                return all
            }
        } catch {
            await journal.close()
            throw error
        }
        let seconds = (clock.now - start).seconds
        let lastSeq = journal.lastSeq
        await journal.close()
        guard lastSeq == UInt64(events.count) else {
            throw BenchmarkFailure(
                "the journal in \(directory) ends at seq \(lastSeq), not \(events.count): it was not new")
        }
        let frames = try JournalStatistics.collect(directory: directory).frames
        return Result(seconds: seconds, latencies: latencies, frames: frames)
    }

    private static func appendOneByOne(_ events: [JournalEvent], to journal: Journal) async throws -> [Double] {
        let clock = ContinuousClock()
        var latencies: [Double] = []
        latencies.reserveCapacity(events.count)
        for event in events {
            let before = clock.now
            try await journal.append(event)
            latencies.append((clock.now - before).seconds)
        }
        return latencies
    }
}
