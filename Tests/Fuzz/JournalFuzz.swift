// libFuzzer target for the journal's frame and segment decoders.
//
// NOT part of any SwiftPM target: .ci/fuzz builds TandemJournal with
// `-sanitize=fuzzer,address` into .build-fuzz and links this file with swiftc
// (see shared RECIPES.md, "Fuzzing with libFuzzer"). Only TandemJournal's public API is used.
//
// For every input it
//  (a) feeds the bytes to a SegmentDecoder three times: all at once, one byte at a time and
//      in chunks whose sizes come from the input itself, calling next() until it returns nil
//      or throws and events() on every frame;
//  (b) feeds the same bytes to a FrameDecoder (all at once and in chunks), and, when the
//      input starts with a segment header, the bytes after that header too;
//  (c) repeats (a) and (b) on a copy whose CRC-32s (segment header, each frame) and, for
//      half of the inputs, frame chain links have been recomputed, so that mutations reach
//      the code behind the checksum checks (field validation, inflating, event decoding).
//
// Errors thrown by the decoders are expected (malformed input must be rejected with an
// error). A crash, sanitizer report, hang or unbounded allocation is a bug, and so is a
// violated invariant below (chunking changes the outcome, events() disagrees with the
// frame header): those call fatalError so libFuzzer records the input.

import TandemJournal

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    exercise(input)
    let repaired = Repair.checksums(input)
    if repaired != input { exercise(repaired) }
    return 0
}

// MARK: - Driving the decoders

/// What decoding a byte string produced: the frames, then either an error or "needs more bytes".
private struct Outcome: Equatable {
    var frames: [Frame] = []
    var error: String?
    var buffered = 0
}

private func exercise(_ bytes: [UInt8]) {
    // (a) SegmentDecoder, three chunkings that must agree.
    let whole = decodeSegment(bytes, chunks: [bytes.count])
    let single = decodeSegment(bytes, chunks: Array(repeating: 1, count: bytes.count))
    let derived = decodeSegment(bytes, chunks: derivedChunks(bytes))
    check(whole == single, "SegmentDecoder: one-byte chunks", whole, single)
    check(whole == derived, "SegmentDecoder: input-derived chunks", whole, derived)
    for frame in whole.frames { checkEvents(frame) }

    // (b) FrameDecoder on the same bytes.
    let frames = decodeFrames(bytes[...], chunks: [bytes.count])
    let framesChunked = decodeFrames(bytes[...], chunks: derivedChunks(bytes))
    check(frames == framesChunked, "FrameDecoder: input-derived chunks", frames, framesChunked)
    for frame in frames.frames { checkEvents(frame) }

    // The bytes after a segment header are a frame stream: FrameDecoder must accept at least
    // every frame the SegmentDecoder accepted (it checks less: no chain, epoch or seq).
    if bytes.count >= 64 && bytes.starts(with: Repair.segmentMagic) {
        let body = bytes[64...]
        let stream = decodeFrames(body, chunks: [body.count])
        let streamSingle = decodeFrames(
            body, chunks: Array(repeating: 1, count: min(body.count, 1 << 16)) + [body.count])
        check(stream == streamSingle, "FrameDecoder after segment header: one-byte chunks", stream, streamSingle)
        if stream.frames.count < whole.frames.count || Array(stream.frames.prefix(whole.frames.count)) != whole.frames {
            fatalError(
                "SegmentDecoder returned frames that FrameDecoder does not: \(whole.frames.count) vs \(stream.frames.count)"
            )
        }
        for frame in stream.frames.dropFirst(whole.frames.count) { checkEvents(frame) }
    }
}

private func decodeSegment(_ bytes: [UInt8], chunks: [Int]) -> Outcome {
    var decoder = SegmentDecoder(segmentName: "fuzz.seg")
    var outcome = Outcome()
    var position = 0
    for chunk in chunks where position < bytes.count {
        let end = min(bytes.count, position + chunk)
        decoder.append(bytes[position..<end])
        position = end
        do {
            while let frame = try decoder.next() { outcome.frames.append(frame) }
        } catch {
            outcome.error = String(describing: error)
            return outcome
        }
    }
    // Whatever was fed, asking again without new bytes must not change anything.
    do {
        if let frame = try decoder.next() {
            fatalError("SegmentDecoder yielded frame \(frame.header) without new bytes")
        }
    } catch {
        fatalError("SegmentDecoder threw without new bytes after returning nil: \(error)")
    }
    outcome.buffered = decoder.bufferedByteCount
    return outcome
}

private func decodeFrames(_ bytes: ArraySlice<UInt8>, chunks: [Int]) -> Outcome {
    var decoder = FrameDecoder()
    var outcome = Outcome()
    var position = bytes.startIndex
    for chunk in chunks where position < bytes.endIndex {
        let end = min(bytes.endIndex, position + chunk)
        // Alternate the two append overloads.
        if chunk & 1 == 0 {
            bytes[position..<end].withUnsafeBytes { decoder.append($0) }
        } else {
            decoder.append(bytes[position..<end])
        }
        position = end
        do {
            while let frame = try decoder.next() {
                if frame.bytes.count != frame.header.frameLength {
                    fatalError("frame of \(frame.bytes.count) bytes whose header says \(frame.header.frameLength)")
                }
                outcome.frames.append(frame)
            }
        } catch {
            let expectedOffset = Int64(outcome.frames.reduce(0) { $0 + $1.bytes.count })
            if error.offset != expectedOffset {
                fatalError("FrameDecoder error at offset \(error.offset), expected \(expectedOffset): \(error)")
            }
            outcome.error = String(describing: error)
            return outcome
        }
    }
    if decoder.offset != Int64(outcome.frames.reduce(0) { $0 + $1.bytes.count }) {
        fatalError("FrameDecoder offset \(decoder.offset) does not match the frames returned")
    }
    outcome.buffered = decoder.bufferedByteCount
    if outcome.buffered != bytes.count - Int(decoder.offset) {
        fatalError("FrameDecoder buffers \(outcome.buffered) bytes, expected \(bytes.count - Int(decoder.offset))")
    }
    return outcome
}

/// Chunk sizes taken from the input: each chunk's first byte (mixed with the input's last
/// byte) picks the size of that chunk, 1…64, with a larger step now and then.
private func derivedChunks(_ bytes: [UInt8]) -> [Int] {
    guard let last = bytes.last else { return [] }
    var chunks: [Int] = []
    var position = 0
    while position < bytes.count {
        let selector = bytes[position] ^ last
        let size = selector & 0xC0 == 0xC0 ? 64 + Int(selector & 0x3F) * 37 : 1 + Int(selector & 0x3F)
        chunks.append(size)
        position += size
    }
    return chunks
}

/// Calls events() and checks what it returns against the frame's header.
private func checkEvents(_ frame: Frame) {
    let events: [StoredEvent]
    do {
        events = try frame.events()
    } catch {
        _ = String(describing: error)
        return
    }
    let h = frame.header
    guard h.type == FormatV1.frameTypeEvents else {
        if !events.isEmpty { fatalError("a frame of type \(h.type) yielded \(events.count) events") }
        return
    }
    guard events.count == Int(h.count) else {
        fatalError("frame says \(h.count) events, events() returned \(events.count)")
    }
    var total = 0
    for (index, stored) in events.enumerated() {
        guard stored.seq == h.firstSeq + UInt64(index), stored.epoch == h.epoch else {
            fatalError("event \(index) has seq \(stored.seq) epoch \(stored.epoch) in frame \(h)")
        }
        guard stored.event.timeMicroseconds >= h.earliestTimeMicroseconds,
            stored.event.timeMicroseconds <= h.latestTimeMicroseconds
        else { fatalError("event \(index) time \(stored.event.timeMicroseconds) outside its frame's range \(h)") }
        total += stored.event.payload.count
    }
    if total > Int(h.inflatedLength) {
        fatalError("events hold \(total) payload bytes, more than the frame's \(h.inflatedLength)")
    }
}

private func check(_ ok: Bool, _ what: String, _ a: Outcome, _ b: Outcome) {
    if ok { return }
    fatalError(
        "\(what) changed the outcome: \(a.frames.count) frames, error \(a.error ?? "none"), \(a.buffered) buffered"
            + " vs \(b.frames.count) frames, error \(b.error ?? "none"), \(b.buffered) buffered")
}

// MARK: - Checksum repair

/// Rewrites the checksums a mutation breaks, following Journal/FORMAT.md: the segment header's
/// CRC-32 over its first 60 bytes, and for each frame the chain link (previous frame's
/// checksum) and the CRC-32 of its header (checksum field zeroed) and stored payload.
private enum Repair {
    static let segmentMagic: [UInt8] = [0x54, 0x4E, 0x44, 0x4D, 0x53, 0x45, 0x47, 0x00]
    static let frameMagic: [UInt8] = [0x54, 0x46, 0x52, 0x4D]

    static func checksums(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        var position = 0
        var previous: UInt32?
        // Inputs whose last byte is odd keep their chain links, so that a broken chain (with
        // good checksums) reaches SegmentDecoder too.
        let relink = (input.last ?? 0) & 1 == 0
        if bytes.count >= 64 && bytes.starts(with: segmentMagic) {
            store(crc32(bytes[0..<60]), in: &bytes, at: 60)
            previous = load(bytes, at: 56)
            position = 64
        }
        while position + 64 <= bytes.count, bytes[position..<position + 4].elementsEqual(frameMagic) {
            let stored = Int(load(bytes, at: position + 4))
            guard stored <= FormatV1.maxFramePayloadBytes, position + 64 + stored <= bytes.count else { break }
            if relink, let previous { store(previous, in: &bytes, at: position + 12) }
            store(0, in: &bytes, at: position + 8)
            let crc = crc32(bytes[position..<position + 64 + stored])
            store(crc, in: &bytes, at: position + 8)
            previous = crc
            position += 64 + stored
        }
        return bytes
    }

    static func load(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }

    static func store(_ value: UInt32, in bytes: inout [UInt8], at offset: Int) {
        for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
    }

    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// CRC-32 (IEEE, as zlib's crc32).
    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
