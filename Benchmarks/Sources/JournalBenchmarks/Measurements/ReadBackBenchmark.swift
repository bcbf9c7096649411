import BenchmarkSupport
import TandemJournal

/// Row 3: reading the whole journal back, as a replay would: a reader over the directory, a
/// cursor from seq 1, and `nextEvent()` until the end. Every frame's checksum and chain link
/// is checked and every payload inflated and split into events.
struct ReadBackBenchmark {
    /// What one pass measured.
    struct Result {
        /// From opening the reader to the last event.
        var seconds: Double
        /// The part of `seconds` spent opening the reader (it scans the newest segment).
        var openSeconds: Double
        var events: Int
        var payloadBytes: Int
    }

    let directory: String

    /// Reads every event and checks that `expectedEvents` events of `expectedBytes` payload bytes
    /// came back. Blocking: call on a dedicated thread.
    func run(expectedEvents: Int, expectedBytes: Int) throws -> Result {
        let clock = ContinuousClock()
        let start = clock.now
        let reader = try JournalReader(directory: directory)
        let opened = clock.now
        let cursor = try reader.cursor(from: 1)
        var events = 0
        var payloadBytes = 0
        while let stored = try cursor.nextEvent() {
            events += 1
            payloadBytes += stored.event.payload.count
        }
        let end = clock.now
        guard events == expectedEvents, payloadBytes == expectedBytes else {
            throw BenchmarkFailure(
                "read back \(events) events of \(payloadBytes) bytes; expected \(expectedEvents) of \(expectedBytes)")
        }
        return Result(
            seconds: (end - start).seconds, openSeconds: (opened - start).seconds, events: events,
            payloadBytes: payloadBytes)
    }
}
