/// One frame exactly as stored: its parsed header and its bytes (header + stored payload).
///
/// Frames are shipped to staging servers byte for byte, so the raw bytes are kept.
public struct Frame: Sendable, Hashable {
    public var header: FrameHeader
    /// The whole frame as it lies on disk.
    public var bytes: [UInt8]

    /// The stored (usually compressed) payload.
    public var storedPayload: ArraySlice<UInt8> { bytes[FormatV1.frameHeaderLength...] }

    /// Inflates the payload and splits it into events.
    ///
    /// - Throws: ``JournalError`` with code `.corruption` if the payload does not decode.
    public func events() throws -> [StoredEvent] {
        try events(using: Inflater())
    }

    func events(using inflater: Inflater) throws -> [StoredEvent] {
        guard header.type == FormatV1.frameTypeEvents else { return [] }
        let inflated: [UInt8]
        switch FormatV1.Codec(rawValue: header.codec) {
        case .stored:
            inflated = Array(storedPayload)
        case .zlib:
            let expected = Int(header.inflatedLength)
            let result = storedPayload.withUnsafeBytes { raw in
                Result { () throws(Inflater.Failure) in try inflater.decompress(raw, expectedLength: expected) }
            }
            switch result {
            case .success(let bytes):
                inflated = bytes
            case .failure(.lengthMismatch(let actual)):
                throw payloadError(
                    actual.map { "inflates to \($0) bytes, but its header declares \(header.inflatedLength)" }
                        ?? "inflates to more than the \(header.inflatedLength) bytes its header declares")
            case .failure(.malformed(let reason)):
                throw payloadError("does not inflate: \(reason)")
            }
        case nil:
            throw payloadError("uses unknown codec \(header.codec)")
        }
        guard inflated.count == Int(header.inflatedLength) else {
            throw payloadError("holds \(inflated.count) bytes, but its header declares \(header.inflatedLength)")
        }
        return try EventBatchCodec.decode(inflated, header: header)
    }

    private func payloadError(_ what: String) -> JournalError {
        JournalError(.corruption, "frame payload \(what)", location: .init(seq: header.firstSeq))
    }
}

/// An events frame's payload, encoded and compressed: all of a frame but where it goes in the journal (its
/// epoch, first seq and link to the previous frame), so it can be made ahead, on any core.
struct FramePayload: Sendable {
    var count: Int
    var stored: [UInt8]
    var codec: FormatV1.Codec
    var inflatedLength: Int
    var earliestTimeMicroseconds: Int64
    var latestTimeMicroseconds: Int64
}

/// Encodes batches of events into frames.
struct FrameEncoder {
    let deflater: Deflater

    init(compressionLevel: Int32) throws {
        deflater = try Deflater(level: compressionLevel)
    }

    /// Builds one events frame. `events` must not be empty.
    func encode(
        _ events: ArraySlice<JournalEvent>, epoch: UInt64, firstSeq: UInt64, previousChecksum: UInt32
    ) throws -> Frame {
        Self.frame(
            try Self.payload(events, deflater: deflater), epoch: epoch, firstSeq: firstSeq,
            previousChecksum: previousChecksum)
    }

    /// Encodes and compresses `events` (not empty) with `deflater`; stored as they are when compressing does
    /// not make them smaller.
    static func payload(_ events: ArraySlice<JournalEvent>, deflater: Deflater) throws -> FramePayload {
        precondition(!events.isEmpty)
        let (raw, earliest, latest) = EventBatchCodec.encode(events)
        var stored = try deflater.compress(raw)
        var codec = FormatV1.Codec.zlib
        if stored.count >= raw.count {
            stored = raw
            codec = .stored
        }
        return FramePayload(
            count: events.count, stored: stored, codec: codec, inflatedLength: raw.count,
            earliestTimeMicroseconds: earliest, latestTimeMicroseconds: latest)
    }

    /// The frame holding `payload` at `firstSeq` of `epoch`, linked to the frame before it.
    static func frame(_ payload: FramePayload, epoch: UInt64, firstSeq: UInt64, previousChecksum: UInt32) -> Frame {
        var header = FrameHeader(
            storedLength: UInt32(payload.stored.count),
            checksum: 0,
            previousChecksum: previousChecksum,
            type: FormatV1.frameTypeEvents,
            codec: payload.codec.rawValue,
            flags: 0,
            count: UInt32(payload.count),
            epoch: epoch,
            firstSeq: firstSeq,
            earliestTimeMicroseconds: payload.earliestTimeMicroseconds,
            latestTimeMicroseconds: payload.latestTimeMicroseconds,
            inflatedLength: UInt32(payload.inflatedLength)
        )
        var bytes = header.serialized()
        header.checksum = bytes.withUnsafeBytes { h in
            payload.stored.withUnsafeBytes { p in FrameHeader.computeChecksum(header: h, payload: p) }
        }
        bytes.storeLittleEndian(header.checksum, at: 8)
        bytes.append(contentsOf: payload.stored)
        return Frame(header: header, bytes: bytes)
    }
}

/// The inflated payload of an events frame: for each event, LEB128 varints of its type,
/// its time minus the frame's earliest time, and its length, then its bytes.
enum EventBatchCodec {
    static func encode(_ events: ArraySlice<JournalEvent>) -> (bytes: [UInt8], earliest: Int64, latest: Int64) {
        var earliest = Int64.max
        var latest = Int64.min
        var size = 0
        for event in events {
            earliest = min(earliest, event.timeMicroseconds)
            latest = max(latest, event.timeMicroseconds)
            size += event.payload.count + 16
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(size)
        for event in events {
            bytes.appendVarint(UInt64(event.type))
            bytes.appendVarint(UInt64(bitPattern: event.timeMicroseconds &- earliest))
            bytes.appendVarint(UInt64(event.payload.count))
            bytes.append(contentsOf: event.payload)
        }
        return (bytes, earliest, latest)
    }

    static func decode(_ bytes: [UInt8], header: FrameHeader) throws -> [StoredEvent] {
        try bytes.withUnsafeBytes { raw in
            var cursor = ByteCursor(raw)
            var events = [StoredEvent]()
            // `count` is only a claim (up to 2^32 - 1, checksummed but not otherwise bounded): every
            // event takes at least 3 bytes (three varints), so never reserve more than the bytes allow.
            events.reserveCapacity(min(Int(header.count), raw.count / 3))
            let span = UInt64(bitPattern: header.latestTimeMicroseconds &- header.earliestTimeMicroseconds)
            for index in 0..<Int(header.count) {
                let seq = header.firstSeq + UInt64(index)
                func bad(_ what: String) -> JournalError {
                    JournalError(
                        .corruption, "event \(index + 1) of \(header.count) in frame: \(what)",
                        location: .init(seq: seq))
                }
                guard let type = cursor.readVarint(), type <= UInt64(UInt16.max) else {
                    throw bad("invalid type code")
                }
                guard let delta = cursor.readVarint(), delta <= span else {
                    throw bad("time outside the frame's range")
                }
                guard let length = cursor.readVarint(), length <= UInt64(raw.count - cursor.offset),
                    let payload = cursor.readBytes(Int(length))
                else { throw bad("payload runs past the end of the frame") }
                let time = header.earliestTimeMicroseconds &+ Int64(bitPattern: delta)
                events.append(
                    StoredEvent(
                        seq: seq, epoch: header.epoch,
                        event: JournalEvent(type: UInt16(type), timeMicroseconds: time, payload: payload)))
            }
            guard cursor.isAtEnd else {
                throw JournalError(
                    .corruption, "\(raw.count - cursor.offset) bytes follow the frame's last event",
                    location: .init(seq: header.firstSeq))
            }
            return events
        }
    }
}
