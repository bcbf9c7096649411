import Foundation
import Testing

@testable import TandemJournal

@Suite struct FrameCodingTests {
    private func frame(_ events: [JournalEvent], firstSeq: UInt64 = 1, previous: UInt32 = 0) throws -> Frame {
        try FrameEncoder(compressionLevel: 1).encode(
            events[...], epoch: 3, firstSeq: firstSeq, previousChecksum: previous)
    }

    @Test func frameRoundTripsEventsExactly() throws {
        let events = [
            JournalEvent(type: 7, timeMicroseconds: 5, payload: []),
            JournalEvent(type: UInt16.max, timeMicroseconds: -1_000, payload: Array("hello".utf8)),
            JournalEvent(type: 0, timeMicroseconds: Int64.max / 2, payload: [UInt8](repeating: 0xAB, count: 100_000)),
        ]
        let encoded = try frame(events, firstSeq: 41)
        #expect(encoded.header.firstSeq == 41)
        #expect(encoded.header.count == 3)
        #expect(encoded.header.earliestTimeMicroseconds == -1_000)
        #expect(encoded.header.latestTimeMicroseconds == Int64.max / 2)
        var decoder = FrameDecoder()
        decoder.append(encoded.bytes)
        let decoded = try #require(try decoder.next())
        #expect(decoded == encoded)
        #expect(try decoded.events().map(\.event) == events)
        #expect(try decoded.events().map(\.seq) == [41, 42, 43])
        #expect(try decoded.events().allSatisfy { $0.epoch == 3 })
    }

    @Test func incompressiblePayloadIsStoredRaw() throws {
        var random = SeededRandom(seed: 9)
        let noise = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &random) }
        let encoded = try frame([JournalEvent(type: 1, timeMicroseconds: 0, payload: noise)])
        #expect(encoded.header.codec == FormatV1.Codec.stored.rawValue)
        #expect(try encoded.events().first?.event.payload == noise)
    }

    @Test func decoderAnswersNeedMoreBytesUntilTheFrameIsComplete() throws {
        let encoded = try frame(Events.people(0..<50))
        var decoder = FrameDecoder()
        for (i, byte) in encoded.bytes.enumerated() {
            #expect(try decoder.next() == nil, "a frame appeared after \(i) of \(encoded.bytes.count) bytes")
            decoder.append([byte])
        }
        #expect(try decoder.next() == encoded)
        #expect(try decoder.next() == nil)
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test func segmentDecodesWhenFedOneByteAtATime() async throws {
        let directory = TemporaryDirectory()
        let journal = try Journal.open(
            directory: directory.path, options: smallOptions(segmentSize: 1 << 20, maxFrameEvents: 16))
        for start in stride(from: 0, to: 200, by: 20) {
            try await journal.append(contentsOf: Events.people(start..<start + 20))
        }
        await journal.close()
        let segment = try #require(directory.segments.first)
        var decoder = SegmentDecoder(segmentName: segment)
        var events: [StoredEvent] = []
        for byte in readBytes(directory.file(segment)) {
            decoder.append([byte])
            while let frame = try decoder.next() { events += try frame.events() }
        }
        #expect(decoder.bufferedByteCount == 0)
        #expect(events.map(\.seq) == Array(1...200))
        #expect(events.map(\.event) == Events.people(0..<200))
    }

    @Test func decoderRejectsWrongMagicAtOnce() {
        var decoder = FrameDecoder()
        decoder.append([0x54, 0x46, 0x00])
        #expect(throws: FrameDecoder.DecodingError.self) { try decoder.next() }
    }

    @Test func decoderRejectsOversizedLengthsBeforeWaitingForThem() throws {
        var bytes = try frame(Events.people(0..<1)).bytes
        bytes.storeLittleEndian(UInt32(FormatV1.maxFramePayloadBytes + 1), at: 4)
        var decoder = FrameDecoder()
        decoder.append(bytes[0..<FormatV1.frameHeaderLength])
        let error = try #require(throws: FrameDecoder.DecodingError.self) { try decoder.next() }
        #expect(error.description == "invalid frame header: stored length 67108865 exceeds the limit of 67108864")
    }

    /// A small frame whose header claims a small inflated length but whose stream inflates far
    /// beyond it (a zip bomb) is rejected without inflating past the declared length.
    @Test func inflationIsCappedAtTheDeclaredLength() throws {
        let bomb = JournalEvent(type: 1, timeMicroseconds: 0, payload: [UInt8](repeating: 0, count: 8 << 20))
        let encoded = try frame([bomb])
        #expect(encoded.bytes.count < 64 << 10)
        var lying = encoded.header
        lying.inflatedLength = 1000
        var bytes = lying.serialized()
        bytes.append(contentsOf: encoded.storedPayload)
        let checksum = bytes.withUnsafeBytes { raw in
            FrameHeader.computeChecksum(
                header: UnsafeRawBufferPointer(rebasing: raw[0..<64]),
                payload: UnsafeRawBufferPointer(rebasing: raw[64...]))
        }
        bytes.storeLittleEndian(checksum, at: 8)
        var decoder = FrameDecoder()
        decoder.append(bytes)
        let decoded = try #require(try decoder.next())
        let error = try #require(throws: JournalError.self) { try decoded.events() }
        #expect(error.code == .corruption)
        #expect(error.message == "frame payload inflates to more than the 1000 bytes its header declares")
    }

    /// Found by the fuzzer: a frame (with a valid checksum) claiming four billion events in three
    /// bytes must be rejected, not make the decoder reserve memory for them.
    @Test func anAbsurdEventCountIsRejectedWithoutAllocating() throws {
        var header = FrameHeader(
            storedLength: 3, checksum: 0, previousChecksum: 0, type: FormatV1.frameTypeEvents, codec: 0, flags: 0,
            count: UInt32.max, epoch: 1, firstSeq: 1, earliestTimeMicroseconds: 0, latestTimeMicroseconds: 0,
            inflatedLength: 3)
        var bytes = header.serialized() + [1, 0, 0]
        header.checksum = bytes.withUnsafeBytes { raw in
            FrameHeader.computeChecksum(
                header: UnsafeRawBufferPointer(rebasing: raw[0..<64]),
                payload: UnsafeRawBufferPointer(rebasing: raw[64...]))
        }
        bytes.storeLittleEndian(header.checksum, at: 8)
        var decoder = FrameDecoder()
        decoder.append(bytes)
        let frame = try #require(try decoder.next())
        let error = try #require(throws: JournalError.self) { try frame.events() }
        #expect(error.code == .corruption)
        #expect(error.message == "event 2 of 4294967295 in frame: invalid type code")
    }

    @Test func everyHeaderFieldIsCoveredByTheChecksum() throws {
        let encoded = try frame(Events.people(0..<3))
        for offset in 0..<FormatV1.frameHeaderLength {
            var damaged = encoded.bytes
            damaged[offset] ^= 0x01
            var decoder = FrameDecoder()
            decoder.append(damaged)
            #expect(throws: (any Error).self, "flipping header byte \(offset) went unnoticed") {
                guard let frame = try decoder.next() else { throw CancellationError() }
                _ = try frame.events()
            }
        }
    }

    @Test(arguments: [
        (UInt64(0), 1), (127, 1), (128, 2), (16_383, 2), (16_384, 3), (UInt64.max, 10),
    ])
    func varintsRoundTrip(value: UInt64, length: Int) {
        var bytes: [UInt8] = []
        bytes.appendVarint(value)
        #expect(bytes.count == length)
        bytes.withUnsafeBytes { raw in
            var cursor = ByteCursor(raw)
            #expect(cursor.readVarint() == value)
            #expect(cursor.isAtEnd)
        }
    }

    @Test func overlongVarintIsRejected() {
        let bytes: [UInt8] = [UInt8](repeating: 0xFF, count: 10) + [0x01]
        bytes.withUnsafeBytes { raw in
            var cursor = ByteCursor(raw)
            #expect(cursor.readVarint() == nil)
        }
    }

    @Test func segmentNamesSortInJournalOrder() throws {
        let names = ["00000002-0000000000000100.seg", "00000001-0000000000000001.seg", "00000001-00000000000000ff.seg"]
        let parsed = try names.map { try #require(SegmentName(fileName: $0)) }.sorted()
        #expect(parsed.map(\.fileName) == [names[1], names[2], names[0]])
        #expect(SegmentName(fileName: "00000001-0000000000000001.idx") == nil)
        #expect(SegmentName(fileName: "1-1.seg") == nil)
        #expect(SegmentName(epoch: 1, firstSeq: 1).fileName == "00000001-0000000000000001.seg")
    }
}
