import Foundation
import Testing

@testable import TandemJournal

/// Appending frames shipped from another journal: byte for byte, and only if they continue the journal.
@Suite struct ShippedFrameTests {
    private func options(_ id: UUID) -> JournalOptions {
        var options = smallOptions(segmentSize: 8192)
        options.journalID = id
        return options
    }

    @Test func shippedFramesAreStoredByteForByteAndReadBackIdentically() async throws {
        let from = TemporaryDirectory()
        let to = TemporaryDirectory()
        let (id, frames, _) = try await shippingSource(from, count: 300, epochs: [120: 2])
        let journal = try Journal.open(directory: to.path, options: options(id))
        var last: UInt64 = 0
        for chunk in stride(from: 0, to: frames.count, by: 7) {
            last = try await journal.appendShipped(Array(frames[chunk..<min(chunk + 7, frames.count)]))
        }
        #expect(last == 300)
        #expect(journal.lastSeq == 300)
        await journal.close()

        let copied = try JournalReader(directory: to.path).cursor(from: 1)
        var shipped: [Frame] = []
        while let frame = try copied.nextFrame() { shipped.append(frame) }
        #expect(shipped == frames)
        #expect(try readAll(to.path) == readAll(from.path))
        #expect(to.segments.contains { $0.hasPrefix("00000002-") })
        let report = try JournalVerification.verify(directory: to.path)
        #expect(report.verdict == .sound, "\(report.findings)")
    }

    @Test func framesWrittenAheadOfASyncAreNeitherAcknowledgedNorShippedOnUntilTheSync() async throws {
        let from = TemporaryDirectory()
        let to = TemporaryDirectory()
        let (id, frames, _) = try await shippingSource(from, count: 300, epochs: [120: 2])
        let journal = try Journal.open(directory: to.path, options: options(id))
        let follower = try journal.frameFollower(from: 1)
        let half = frames.count / 2
        let written = try await journal.appendShipped(decodedFrames: Array(frames[..<half]), syncing: false)
        #expect(written == frames[half - 1].header.lastSeq)
        #expect(journal.lastSeq == 0, "written, not durable: not acknowledged")
        #expect(try await follower.nextFrames(maxBytes: 1 << 20, waitingAtMost: .zero).isEmpty)
        // More written ahead, across the epoch change (a new segment), then one sync for all of it.
        try await journal.appendShipped(decodedFrames: Array(frames[half...]), syncing: false)
        #expect(journal.lastSeq == 0)
        #expect(try await journal.syncShipped() == 300)
        #expect(journal.lastSeq == 300)
        var shippedOn: [Frame] = []
        while true {
            let next = try await follower.nextFrames(maxBytes: 1 << 20, waitingAtMost: .zero)
            if next.isEmpty { break }
            shippedOn += next
        }
        #expect(shippedOn == frames)
        await journal.close()
        #expect(try readAll(to.path) == readAll(from.path))
    }

    @Test func aFrameWithAFlippedByteIsRejectedAndTheRightOneAcceptedAfterwards() async throws {
        let from = TemporaryDirectory()
        let to = TemporaryDirectory()
        let (id, frames, _) = try await shippingSource(from, count: 40)
        let journal = try Journal.open(directory: to.path, options: options(id))
        try await journal.appendShipped(Array(frames[0..<3]))
        var damaged = frames[3]
        damaged.bytes[damaged.bytes.count - 2] ^= 0x20
        await #expect(throws: JournalError.self) { try await journal.appendShipped([damaged, frames[4]]) }
        do {
            try await journal.appendShipped([damaged])
        } catch let error as JournalError {
            #expect(error.code == .rejectedFrame)
            #expect(error.message.hasPrefix("shipped frame fails its checksum"))
        }
        #expect(journal.lastSeq == frames[2].header.lastSeq)
        try await journal.appendShipped(Array(frames[3...]))
        #expect(journal.lastSeq == 40)
        await journal.close()
        #expect(try readAll(to.path) == readAll(from.path))
    }

    @Test func framesThatDoNotContinueTheJournalAreRejected() async throws {
        let from = TemporaryDirectory()
        let to = TemporaryDirectory()
        let (id, frames, _) = try await shippingSource(from, count: 60, epochs: [30: 3])
        let journal = try Journal.open(directory: to.path, options: options(id))
        let gap = frames[1]
        try await journal.appendShipped([frames[0]])

        // A gap: the second frame is skipped.
        await #expect(throws: JournalError.self) { try await journal.appendShipped([frames[2]]) }
        // A duplicate: the first frame again.
        await #expect(throws: JournalError.self) { try await journal.appendShipped([frames[0]]) }
        // The right seq, but a chain link that does not match (a different history).
        var forged = gap
        forged.header.previousChecksum ^= 1
        forged.bytes.replaceSubrange(0..<FormatV1.frameHeaderLength, with: forged.header.serialized())
        let header = forged.bytes.withUnsafeBytes { raw in
            FrameHeader.computeChecksum(
                header: UnsafeRawBufferPointer(rebasing: raw[0..<FormatV1.frameHeaderLength]),
                payload: UnsafeRawBufferPointer(rebasing: raw[FormatV1.frameHeaderLength...]))
        }
        forged.header.checksum = header
        forged.bytes.replaceSubrange(0..<FormatV1.frameHeaderLength, with: forged.header.serialized())
        try forged.verify()
        do {
            try await journal.appendShipped([forged])
            Issue.record("a frame with a foreign chain link was accepted")
        } catch let error as JournalError {
            #expect(error.code == .rejectedFrame)
            #expect(error.message.contains("chain link"))
        }
        #expect(journal.lastSeq == frames[0].header.lastSeq)
        try await journal.appendShipped(Array(frames[1...]))
        #expect(journal.lastSeq == 60)

        await journal.close()
        // An older epoch after a newer one: rebuild a journal at epoch 3 and offer it an epoch-1 frame chain.
        let fresh = TemporaryDirectory()
        var options = options(id)
        options.initialEpoch = 5
        let later = try Journal.open(directory: fresh.path, options: options)
        do {
            try await later.appendShipped([frames[0]])
            Issue.record("a frame of an older epoch was accepted")
        } catch let error as JournalError {
            #expect(error.message.contains("older than this journal's epoch 5"))
        }
        await later.close()
    }

    @Test func theFollowerShipsFramesAsTheyBecomeDurable() async throws {
        let directory = TemporaryDirectory()
        let journal = try Journal.open(directory: directory.path, options: smallOptions())
        try await journal.append(contentsOf: Events.people(0..<10))
        let follower = try journal.frameFollower(from: 1)
        let first = try await follower.nextFrames(maxBytes: 1 << 20, waitingAtMost: .seconds(5))
        #expect(first.reduce(0) { $0 + Int($1.header.count) } == 10)
        let appender = Task { try await journal.append(contentsOf: Events.people(10..<15)) }
        let second = try await follower.nextFrames(maxBytes: 1 << 20, waitingAtMost: .seconds(30))
        _ = try await appender.value
        #expect(second.first?.header.firstSeq == 11)
        let idle = try await follower.nextFrames(maxBytes: 1 << 20, waitingAtMost: .milliseconds(20))
        #expect(idle.isEmpty)
        #expect(throws: JournalError.self) { try journal.frameFollower(from: 17) }
        await journal.close()
        await #expect(throws: JournalError.self) {
            try await follower.nextFrames(maxBytes: 1 << 20, waitingAtMost: .seconds(30))
        }
    }
}
