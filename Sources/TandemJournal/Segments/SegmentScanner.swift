/// Reads a segment file from start to end and reports what it holds and where it stops being valid.
///
/// One scanner serves recovery on open, the reader and `tandem journal verify`, so that all
/// three agree on what is sound, torn or corrupt.
struct SegmentScanner {
    let fileSystem: any JournalFileSystem
    /// Also inflate every payload and check that its events decode (verify does; open does not).
    var verifyPayloads = false
    var chunkBytes = 4 << 20

    /// Where a segment stops being valid, and why.
    struct Damage: Sendable, Hashable {
        enum Kind: Sendable, Hashable {
            /// The file ends inside a frame (or inside the segment header).
            case incomplete
            /// Bytes that do not form a valid frame: bad magic, bad checksum, impossible lengths.
            case invalidFrame
            /// A frame with a good checksum that does not continue the journal: seq gap, broken chain, wrong epoch.
            case discontinuity
            /// A frame with a good checksum whose payload does not decode.
            case badPayload
            /// The segment header is unreadable.
            case badHeader
            /// A format version or frame type this build cannot read.
            case unsupported
        }

        var kind: Kind
        var offset: Int64
        var seq: UInt64?
        var message: String
        /// Whether a valid frame exists somewhere after the damage.
        var validDataFollows: Bool
    }

    struct Result: Sendable {
        var name: SegmentName
        var fileSize: Int64
        var header: SegmentHeader?
        var frames: [FrameSummary] = []
        /// The end of the last good frame (or of the header): where a torn tail would be cut.
        var validEnd: Int64
        var damage: Damage?
        var rawEventBytes: Int64 = 0
        var eventCount: UInt64 = 0
        /// Whether this came from the segment's index file rather than a scan.
        var fromIndex = false

        var lastSeq: UInt64? {
            frames.last(where: { $0.holdsEvents })?.lastSeq ?? header.map { $0.firstSeq - 1 }
        }
        var lastChecksum: UInt32? { frames.last?.checksum ?? header?.previousChecksum }
    }

    /// Scans `directory/name`. Problems inside the file are reported in `Result.damage`;
    /// only I/O failures throw.
    func scan(directory: String, name: SegmentName) throws -> Result {
        let file = try fileSystem.openFile(at: joinPath(directory, name.fileName), writable: false)
        defer { file.close() }
        let fileSize = try file.size()
        let headerBytes = try file.read(count: FormatV1.segmentHeaderLength, at: 0)
        var result = Result(name: name, fileSize: fileSize, header: nil, validEnd: 0)

        let header: SegmentHeader
        switch SegmentHeader.parse(headerBytes) {
        case .success(let parsed):
            header = parsed
        case .failure(let failure):
            let kind: Damage.Kind
            switch failure {
            case .tooShort: kind = .incomplete
            case .unsupportedVersion: kind = .unsupported
            default: kind = .badHeader
            }
            let follows = try validFrameExists(in: file, after: 0, fileSize: fileSize)
            result.damage = Damage(
                kind: kind, offset: 0, seq: nil, message: failure.description, validDataFollows: follows)
            return result
        }
        if header.epoch != name.epoch || header.firstSeq != name.firstSeq {
            result.damage = Damage(
                kind: .badHeader, offset: 0, seq: header.firstSeq,
                message:
                    "header says epoch \(header.epoch), first seq \(header.firstSeq), which does not match the file name",
                validDataFollows: true)
            return result
        }
        result.header = header
        result.validEnd = Int64(FormatV1.segmentHeaderLength)

        var decoder = FrameDecoder()
        var position = Int64(FormatV1.segmentHeaderLength)
        var expectedSeq = header.firstSeq
        var expectedPrevious = header.previousChecksum
        let inflater = verifyPayloads ? Inflater() : nil

        func damage(_ kind: Damage.Kind, at offset: Int64, seq: UInt64?, _ message: String) throws -> Damage {
            let follows =
                kind == .discontinuity || kind == .badPayload || kind == .unsupported
                ? true : try validFrameExists(in: file, after: offset, fileSize: fileSize)
            return Damage(kind: kind, offset: offset, seq: seq, message: message, validDataFollows: follows)
        }

        scanning: while true {
            // Drain complete frames first, then read more.
            while true {
                let frameOffset = Int64(FormatV1.segmentHeaderLength) + decoder.offset
                let frame: Frame
                do {
                    guard let next = try decoder.next() else { break }
                    frame = next
                } catch {
                    let kind: Damage.Kind =
                        if case .unsupportedType = error.problem { .unsupported } else { .invalidFrame }
                    result.damage = try damage(kind, at: frameOffset, seq: expectedSeq, error.description)
                    break scanning
                }
                let h = frame.header
                if h.previousChecksum != expectedPrevious {
                    result.damage = try damage(
                        .discontinuity, at: frameOffset, seq: h.firstSeq,
                        "frame's chain link \(hex(h.previousChecksum)) does not match the previous frame's checksum \(hex(expectedPrevious))"
                    )
                    break scanning
                }
                if h.epoch != header.epoch {
                    result.damage = try damage(
                        .discontinuity, at: frameOffset, seq: h.firstSeq,
                        "frame has epoch \(h.epoch) in a segment of epoch \(header.epoch)")
                    break scanning
                }
                let isEvents = h.type == FormatV1.frameTypeEvents
                if isEvents && h.firstSeq != expectedSeq {
                    result.damage = try damage(
                        .discontinuity, at: frameOffset, seq: h.firstSeq,
                        "frame starts at seq \(h.firstSeq) where seq \(expectedSeq) was expected (a gap or overlap)")
                    break scanning
                }
                if let inflater, isEvents {
                    do {
                        _ = try frame.events(using: inflater)
                    } catch let error as JournalError {
                        result.damage = try damage(.badPayload, at: frameOffset, seq: h.firstSeq, error.message)
                        break scanning
                    }
                }
                if isEvents {
                    expectedSeq = h.firstSeq + UInt64(h.count)
                    result.rawEventBytes += Int64(h.inflatedLength)
                    result.eventCount += UInt64(h.count)
                }
                expectedPrevious = h.checksum
                result.frames.append(FrameSummary(offset: frameOffset, header: h))
                result.validEnd = frameOffset + Int64(h.frameLength)
            }
            if position >= fileSize {
                if decoder.bufferedByteCount > 0 {
                    let offset = Int64(FormatV1.segmentHeaderLength) + decoder.offset
                    result.damage = try damage(
                        .incomplete, at: offset, seq: expectedSeq,
                        "the file ends \(decoder.bufferedByteCount) bytes into a frame")
                }
                break
            }
            let chunk = try file.read(count: Int(min(Int64(chunkBytes), fileSize - position)), at: position)
            if chunk.isEmpty { break }  // the file shrank under us
            position += Int64(chunk.count)
            decoder.append(chunk)
        }
        return result
    }

    /// Whether any complete frame with a good checksum starts after `offset`.
    private func validFrameExists(in file: any JournalFile, after offset: Int64, fileSize: Int64) throws -> Bool {
        let start = offset + 1
        guard start < fileSize else { return false }
        let rest = try file.read(count: Int(fileSize - start), at: start)
        return rest.withUnsafeBytes { raw in
            var i = 0
            while i + FormatV1.frameHeaderLength <= raw.count {
                defer { i += 1 }
                guard raw[i] == 0x54, raw[i + 1] == 0x46, raw[i + 2] == 0x52, raw[i + 3] == 0x4D,
                    let header = FrameHeader.parse(
                        UnsafeRawBufferPointer(rebasing: raw[i..<i + FormatV1.frameHeaderLength])),
                    Int(header.storedLength) <= FormatV1.maxFramePayloadBytes,
                    i + header.frameLength <= raw.count
                else { continue }
                let computed = FrameHeader.computeChecksum(
                    header: UnsafeRawBufferPointer(rebasing: raw[i..<i + FormatV1.frameHeaderLength]),
                    payload: UnsafeRawBufferPointer(
                        rebasing: raw[i + FormatV1.frameHeaderLength..<i + header.frameLength]))
                if computed == header.checksum { return true }
            }
            return false
        }
    }
}
