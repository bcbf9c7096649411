import Foundation
import Testing

@testable import TandemEngine

/// The queue between replay's decoder thread and the thread that applies events: bounded by what it
/// holds, and holding nothing once it is taken.
@Suite struct DecodedEventPipeTests {
    /// An error that reports when it is freed.
    final class Tracked: Error, @unchecked Sendable {}

    /// Steps taken on two threads, in the order they happened.
    final class StepLog: @unchecked Sendable {
        private let lock = NSLock()
        private var recorded: [String] = []
        func record(_ step: String) { lock.withLock { recorded.append(step) } }
        var steps: [String] { lock.withLock { recorded } }
    }

    @Test func aTakenItemIsNotKeptAlive() {
        let pipe = DecodedEventPipe(capacityBytes: 1 << 20)
        weak var tracked: Tracked?
        do {
            let error = Tracked()
            tracked = error
            #expect(pipe.put(.failed(error), bytes: 10))
        }
        #expect(tracked != nil, "held while queued")
        if case .failed = pipe.take() {} else { Issue.record("took something else") }
        #expect(tracked == nil, "freed once taken, though the queue's slots are reclaimed later")
    }

    /// Full by weight (one item heavier than the whole capacity), or by count (one item of one).
    @Test(arguments: [(capacityBytes: 100, capacityItems: 8), (capacityBytes: 1 << 30, capacityItems: 1)])
    func aFullQueueMakesTheWriterWaitForTheReader(capacityBytes: Int, capacityItems: Int) {
        let pipe = DecodedEventPipe(capacityBytes: capacityBytes, capacityItems: capacityItems)
        let log = StepLog()
        // An empty queue takes an item heavier than its whole capacity.
        #expect(pipe.put(.end, bytes: 1_000))
        let done = DispatchSemaphore(value: 0)
        let writer = Thread {
            _ = pipe.put(.end, bytes: 1)
            log.record("second put")
            done.signal()
        }
        writer.start()
        // Long enough for an unbounded queue to take the second item first; a bounded one never does.
        usleep(100_000)
        log.record("take")
        _ = pipe.take()
        done.wait()
        #expect(log.steps == ["take", "second put"])
        _ = pipe.take()
    }

    @Test func aClosedQueueRefusesTheWriter() {
        let pipe = DecodedEventPipe(capacityBytes: 10)
        #expect(pipe.put(.end, bytes: 10))
        pipe.close()
        #expect(!pipe.put(.end, bytes: 10))
    }
}
