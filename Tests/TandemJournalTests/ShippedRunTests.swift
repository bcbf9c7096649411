import Foundation
import Testing

@testable import TandemJournal

/// The shipping fast path: the active copies whole stored frames into one buffer
/// (`readStoredFrames(into:)`), the staging server checks them where they lie in its receive buffer
/// (`ShippedRunDecoder`) and appends them as runs (`appendShipped(runs:)`).
@Suite struct ShippedRunTests {
    private func options(_ id: UUID) -> JournalOptions {
        var options = smallOptions(segmentSize: 8192)
        options.journalID = id
        return options
    }

    /// Feeds `stream` to a decoder in pieces of the given sizes (cycled); returns the runs taken after each piece.
    private func decode(_ stream: [UInt8], pieces: [Int])
        -> (runs: [ShippedRun], rejection: FrameDecoder.DecodingError?)
    {
        var decoder = ShippedRunDecoder()
        var runs: [ShippedRun] = []
        var offset = 0
        var index = 0
        while offset < stream.count {
            let end = min(stream.count, offset + pieces[index % pieces.count])
            stream[offset..<end].withUnsafeBytes { decoder.append($0) }
            offset = end
            index += 1
            let (run, rejection) = decoder.takeRun()
            if let run { runs.append(run) }
            if let rejection { return (runs, rejection) }
        }
        #expect(decoder.bufferedByteCount == 0)
        return (runs, nil)
    }

    /// Runs received into the recycled buffers of written runs hold exactly the bytes that fresh
    /// buffers would; a buffer still held elsewhere is never written over.
    @Test(arguments: [[1000], [4096, 1], [63, 65]])
    func runsReceivedIntoRecycledBuffersAreTheSame(pieces: [Int]) async throws {
        let from = TemporaryDirectory()
        let (_, frames, stream) = try await shippingSource(from, count: 200, epochs: [90: 2])
        let buffers = ShippedRunBuffers(keeping: 2)
        var decoder = ShippedRunDecoder()
        var received: [UInt8] = []
        var headers: [FrameHeader] = []
        var held: [(run: ShippedRun, copy: [UInt8])] = []
        var offset = 0
        var index = 0
        var runs = 0
        var reused = 0
        // The spare a run was taken with becomes the buffer the next run is received into.
        var receivingInto: UnsafePointer<UInt8>?
        while offset < stream.count {
            let end = min(stream.count, offset + pieces[index % pieces.count])
            stream[offset..<end].withUnsafeBytes { decoder.append($0) }
            offset = end
            index += 1
            var spareAddress: UnsafePointer<UInt8>?
            let (run, rejection) = decoder.takeRun {
                let spare = buffers.take()
                spareAddress = spare?.withUnsafeBufferPointer { $0.baseAddress }
                return spare
            }
            #expect(rejection == nil)
            guard let run else { continue }
            runs += 1
            if let receivingInto, run.bytes.withUnsafeBufferPointer({ $0.baseAddress }) == receivingInto { reused += 1 }
            receivingInto = spareAddress
            received += run.bytes
            headers += run.headers
            // Every third run stays held (as if still being written): its buffer must keep its bytes.
            if runs % 3 == 0 { held.append((run, run.bytes)) }
            buffers.recycle([run])
        }
        #expect(received == stream)
        #expect(headers == frames.map(\.header))
        for (run, copy) in held { #expect(run.bytes == copy) }
        #expect(runs >= 4)
        #expect(reused > 0, "none of \(runs) runs was received into a recycled buffer")
    }

    @Test(arguments: [[1], [7, 64, 3], [63, 65], [1000], [4096, 1], [1 << 20]])
    func framesSplitAcrossChunksComeOutWholeAndByteForByte(pieces: [Int]) async throws {
        let from = TemporaryDirectory()
        let to = TemporaryDirectory()
        let (id, frames, stream) = try await shippingSource(from, count: 200, epochs: [90: 2])
        let (runs, rejection) = decode(stream, pieces: pieces)
        #expect(rejection == nil)
        #expect(runs.flatMap(\.bytes) == stream)
        #expect(runs.flatMap(\.headers) == frames.map(\.header))
        #expect(runs.flatMap { $0.frames() } == frames)

        let journal = try Journal.open(directory: to.path, options: options(id))
        // Written ahead in groups of runs, then one sync: acknowledged only by the sync.
        for start in stride(from: 0, to: runs.count, by: 5) {
            try await journal.appendShipped(runs: Array(runs[start..<min(start + 5, runs.count)]), syncing: false)
        }
        #expect(journal.lastSeq == 0)
        #expect(try await journal.syncShipped() == 200)
        await journal.close()
        #expect(try readAll(to.path) == readAll(from.path))
        let copied = try JournalReader(directory: to.path).cursor(from: 1)
        var shipped: [Frame] = []
        while let frame = try copied.nextFrame() { shipped.append(frame) }
        #expect(shipped == frames)
        #expect(to.segments.contains { $0.hasPrefix("00000002-") })
        let report = try JournalVerification.verify(directory: to.path)
        #expect(report.verdict == .sound, "\(report.findings)")
    }

    @Test func aCorruptedFrameInTheMiddleOfABatchIsRejectedAfterTheGoodFramesBeforeIt() async throws {
        let from = TemporaryDirectory()
        let to = TemporaryDirectory()
        let (id, frames, stream) = try await shippingSource(from, count: 60)
        let damagedIndex = 6
        let damagedStart = frames[..<damagedIndex].reduce(0) { $0 + $1.bytes.count }
        var corrupted = stream
        corrupted[damagedStart + frames[damagedIndex].bytes.count - 3] ^= 0x10
        // The whole batch arrives in one chunk: the frames before the damaged one still make a run.
        let (runs, rejection) = decode(corrupted, pieces: [corrupted.count])
        let problem = try #require(rejection)
        #expect(problem.offset == Int64(damagedStart))
        #expect(problem.claimedSeq == frames[damagedIndex].header.firstSeq)
        guard case .checksumMismatch = problem.problem else {
            Issue.record("expected a checksum mismatch, got \(problem.problem)")
            return
        }
        #expect(runs.flatMap(\.headers) == frames[..<damagedIndex].map(\.header))

        let journal = try Journal.open(directory: to.path, options: options(id))
        try await journal.appendShipped(runs: runs)
        #expect(journal.lastSeq == frames[damagedIndex - 1].header.lastSeq)
        // Fetched again from the damaged frame: it and the rest are accepted.
        let (again, none) = decode(Array(stream[damagedStart...]), pieces: [333])
        #expect(none == nil)
        // A run that repeats what is already stored is refused with nothing written.
        await #expect(throws: JournalError.self) { try await journal.appendShipped(runs: runs) }
        try await journal.appendShipped(runs: again)
        #expect(journal.lastSeq == 60)
        await journal.close()
        #expect(try readAll(to.path) == readAll(from.path))
    }

    @Test func garbageIsRejectedAsSoonAsItsBytesArrive() {
        var decoder = ShippedRunDecoder()
        [UInt8]([0x54, 0x46, 0x00]).withUnsafeBytes { decoder.append($0) }
        let (run, rejection) = decoder.takeRun()
        #expect(run == nil)
        #expect(rejection?.problem == .badMagic)
        #expect(rejection?.offset == 0)

        // A header that claims a payload beyond the format's cap is refused before the payload arrives.
        var header = FrameHeader(
            storedLength: UInt32(FormatV1.maxFramePayloadBytes + 1), checksum: 0, previousChecksum: 0,
            type: FormatV1.frameTypeEvents, codec: 0, flags: 0, count: 1, epoch: 1, firstSeq: 1,
            earliestTimeMicroseconds: 0, latestTimeMicroseconds: 0, inflatedLength: 10)
        header.reserved = 0
        var huge = ShippedRunDecoder()
        header.serialized().withUnsafeBytes { huge.append($0) }
        guard case .invalidHeader = huge.takeRun().rejection?.problem else {
            Issue.record("an oversized frame header was not refused")
            return
        }
    }

    @Test func theActiveCopiesWholeDurableFramesExactlyAsStoredAcrossSegments() async throws {
        let directory = TemporaryDirectory()
        let journal = try Journal.open(directory: directory.path, options: smallOptions(segmentSize: 4096))
        for start in stride(from: 0, to: 150, by: 3) {
            try await journal.append(contentsOf: Events.people(start..<start + 3))
        }
        let cursor = try JournalReader(directory: directory.path).cursor(from: 1)
        var frames: [Frame] = []
        while let frame = try cursor.nextFrame() { frames.append(frame) }
        #expect(directory.segments.count > 1)

        let follower = try journal.frameFollower(from: 1)
        let largest = frames.map(\.bytes.count).max()!
        var capacity = largest - 1  // too small for some frames: the run says how much it needs
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let run = try buffer.withUnsafeMutableBytes { raw in
                try follower.readStoredFrames(into: UnsafeMutableRawBufferPointer(rebasing: raw[..<capacity]))
            }
            if let needed = run.neededBytes, run.byteCount == 0 {
                #expect(needed > capacity)
                capacity = needed
                continue
            }
            if run.byteCount == 0 { break }
            received += buffer[..<run.byteCount]
        }
        #expect(received == frames.flatMap(\.bytes))
        // Nothing new: waiting times out with the journal still open.
        #expect(await follower.waitForFrames(waitingAtMost: .milliseconds(10)))
        try await journal.append(contentsOf: Events.people(150..<152))
        #expect(await follower.waitForFrames(waitingAtMost: .seconds(30)))
        let next = try buffer.withUnsafeMutableBytes { try follower.readStoredFrames(into: $0) }
        #expect(next.firstHeader?.firstSeq == 151 && next.lastHeader?.lastSeq == 152)

        // A seq inside a frame is refused; a closed journal ends the wait.
        let inside = try journal.frameFollower(from: 2)
        #expect(throws: JournalError.self) {
            try buffer.withUnsafeMutableBytes { try inside.readStoredFrames(into: $0) }
        }
        await journal.close()
        #expect(await follower.waitForFrames(waitingAtMost: .seconds(30)) == false)
    }

    @Test func framesWrittenAheadOfASyncAreNotCopiedForShippingUntilTheSync() async throws {
        let from = TemporaryDirectory()
        let to = TemporaryDirectory()
        let (id, frames, stream) = try await shippingSource(from, count: 80)
        let journal = try Journal.open(directory: to.path, options: options(id))
        let follower = try journal.frameFollower(from: 1)
        let (runs, _) = decode(stream, pieces: [500])
        try await journal.appendShipped(runs: runs, syncing: false)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        #expect(try buffer.withUnsafeMutableBytes { try follower.readStoredFrames(into: $0) }.byteCount == 0)
        try await journal.syncShipped()
        let run = try buffer.withUnsafeMutableBytes { try follower.readStoredFrames(into: $0) }
        #expect(Array(buffer[..<run.byteCount]) == stream)
        #expect(run.frameCount == frames.count)
        await journal.close()
    }

    /// What `sendfile` sends: the located ranges, read back from their segment files.
    private func readLocated(_ run: StoredFrameRun) throws -> [UInt8] {
        let path = try #require(run.filePath)
        let handle = try #require(FileHandle(forReadingAtPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(run.fileOffset))
        return [UInt8](try handle.read(upToCount: run.byteCount) ?? Data())
    }

    @Test(arguments: [1, 3000, 1 << 20])
    func theActiveLocatesWholeDurableFramesInTheirSegmentFilesAcrossSegments(maxBytes: Int) async throws {
        let directory = TemporaryDirectory()
        let journal = try Journal.open(directory: directory.path, options: smallOptions(segmentSize: 4096))
        for start in stride(from: 0, to: 150, by: 3) {
            try await journal.append(contentsOf: Events.people(start..<start + 3))
        }
        let cursor = try JournalReader(directory: directory.path).cursor(from: 1)
        var frames: [Frame] = []
        while let frame = try cursor.nextFrame() { frames.append(frame) }
        #expect(directory.segments.count > 1)

        let follower = try journal.frameFollower(from: 1)
        var received: [UInt8] = []
        var frameCount = 0
        while true {
            let run = try follower.locateStoredFrames(maxBytes: maxBytes)
            if run.byteCount == 0 { break }
            // At least one frame each time, and no more than asked beyond the first.
            #expect(run.frameCount >= 1)
            if run.frameCount > 1 { #expect(run.byteCount <= maxBytes) }
            frameCount += run.frameCount
            received += try readLocated(run)
        }
        #expect(received == frames.flatMap(\.bytes))
        #expect(frameCount == frames.count)
        try await journal.append(contentsOf: Events.people(150..<152))
        #expect(await follower.waitForFrames(waitingAtMost: .seconds(30)))
        let next = try follower.locateStoredFrames(maxBytes: maxBytes)
        #expect(next.firstHeader?.firstSeq == 151 && next.lastHeader?.lastSeq == 152)

        // A seq inside a frame is refused.
        let inside = try journal.frameFollower(from: 2)
        #expect(throws: JournalError.self) { try inside.locateStoredFrames(maxBytes: maxBytes) }
        await journal.close()
    }

    @Test func framesWrittenAheadOfASyncAreNotLocatedForShippingUntilTheSync() async throws {
        let from = TemporaryDirectory()
        let to = TemporaryDirectory()
        let (id, frames, stream) = try await shippingSource(from, count: 80)
        let journal = try Journal.open(directory: to.path, options: options(id))
        let follower = try journal.frameFollower(from: 1)
        let (runs, _) = decode(stream, pieces: [500])
        try await journal.appendShipped(runs: runs, syncing: false)
        #expect(try follower.locateStoredFrames(maxBytes: 1 << 20).byteCount == 0)
        try await journal.syncShipped()
        let run = try follower.locateStoredFrames(maxBytes: 1 << 20)
        #expect(try readLocated(run) == stream)
        #expect(run.frameCount == frames.count)
        await journal.close()
    }
}
