import Testing

@testable import TandemJournal
@testable import TandemServer

/// The hand-off between the staging server's receiving (on the HTTP client's event loop) and its
/// commit stage: runs come out in the order they went in, and the event loop never waits.
@Suite struct FrameHandoffTests {
    /// A run of one fake frame of `size` bytes, told apart by its first seq.
    private func run(_ seq: UInt64, size: Int = 1000) -> ShippedRun {
        let header = FrameHeader(
            storedLength: UInt32(size - FormatV1.frameHeaderLength), checksum: 0, previousChecksum: 0, type: 1,
            codec: 0, flags: 0, count: 1, epoch: 1, firstSeq: seq, earliestTimeMicroseconds: 0,
            latestTimeMicroseconds: 0, inflatedLength: 0)
        return ShippedRun(bytes: Array(repeating: UInt8(truncatingIfNeeded: seq), count: size), headers: [header])
    }

    private func seqs(_ runs: [ShippedRun]?) -> [UInt64] {
        (runs ?? []).flatMap { $0.headers.map(\.firstSeq) }
    }

    /// Polls until `condition` holds (a put registers as waiting on another task).
    private func eventually(_ condition: () -> Bool) async throws {
        for _ in 0..<2000 where !condition() { try await Task.sleep(for: .milliseconds(1)) }
        #expect(condition())
    }

    @Test func tryPutAddsWhatFitsAndRefusesWhatDoesNot() async {
        let handoff = FrameHandoff(maxBytes: 2500)
        #expect(handoff.tryPut([run(1)]))
        #expect(handoff.tryPut([run(2)]))
        #expect(!handoff.tryPut([run(3)]))
        #expect(seqs(await handoff.take(limit: 1 << 20)) == [1, 2])
        #expect(handoff.tryPut([run(3)]))
        // A run larger than the whole hand-off goes in when it is empty.
        #expect(seqs(await handoff.take(limit: 1 << 20)) == [3])
        #expect(handoff.tryPut([run(4, size: 10_000)]))
        #expect(seqs(await handoff.take(limit: 1 << 20)) == [4])
    }

    @Test func tryPutNeverOvertakesAPutWaitingForRoom() async throws {
        let handoff = FrameHandoff(maxBytes: 2500)
        #expect(handoff.tryPut([run(1, size: 2000)]))
        let waiting = Task { await handoff.put([run(2, size: 2000)]) }
        try await eventually { handoff.waitingPuts == 1 }
        // Run 3 would fit beside run 1, but run 2 was first.
        #expect(!handoff.tryPut([run(3, size: 400)]))
        #expect(seqs(await handoff.take(limit: 2000)) == [1])
        await waiting.value
        #expect(handoff.waitingPuts == 0)
        #expect(handoff.tryPut([run(3, size: 400)]))
        #expect(seqs(await handoff.take(limit: 1 << 20)) == [2, 3])
    }

    @Test func aWokenPutIsNotOvertakenBeforeItRuns() async throws {
        // Between a take waking the waiting put and the put adding its run, a tryPut must still refuse.
        let handoff = FrameHandoff(maxBytes: 2500)
        #expect(handoff.tryPut([run(1, size: 2000)]))
        let waiting = Task { await handoff.put([run(2, size: 2000)]) }
        try await eventually { handoff.waitingPuts == 1 }
        #expect(seqs(await handoff.take(limit: 2000)) == [1])
        let admitted = handoff.tryPut([run(3, size: 400)])
        await waiting.value
        if !admitted { #expect(handoff.tryPut([run(3, size: 400)])) }
        #expect(seqs(await handoff.take(limit: 1 << 20)) == [2, 3])
    }

    @Test func afterFinishTryPutAcceptsAndTakeDrainsThenEnds() async {
        let handoff = FrameHandoff(maxBytes: 1500)
        #expect(handoff.tryPut([run(1)]))
        handoff.finish()
        #expect(handoff.tryPut([run(2)]))
        #expect(seqs(await handoff.take(limit: 1 << 20)) == [1])
        #expect(await handoff.take(limit: 1 << 20) == nil)
    }

    @Test func aTakerWaitingForRunsIsWokenByTryPut() async throws {
        let handoff = FrameHandoff(maxBytes: 1000)
        let taker = Task { await handoff.take(limit: 1 << 20) }
        try await Task.sleep(for: .milliseconds(20))
        #expect(handoff.tryPut([run(7)]))
        #expect(seqs(await taker.value) == [7])
    }
}
