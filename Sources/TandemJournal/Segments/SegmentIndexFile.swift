/// The sparse index of a sealed segment, kept beside it as `EEEEEEEE-SSSSSSSSSSSSSSSS.idx`:
/// one entry per frame (offset, seqs, times, checksums), so that opening a journal and finding
/// a seq or a time need not read sealed segments.
///
/// It is a cache, never a source of truth: it binds to the segment's size and header, and a
/// missing, stale or damaged index is rebuilt by scanning the segment.
enum SegmentIndexFile {
    /// `TNDMIDX\0`
    static let magic: [UInt8] = [0x54, 0x4E, 0x44, 0x4D, 0x49, 0x44, 0x58, 0x00]
    static let version: UInt16 = 1
    static let entryLength = 64

    static func encode(_ scan: SegmentScanner.Result, headerBytes: [UInt8]) -> [UInt8] {
        var bytes = magic
        bytes.appendLittleEndian(version)
        bytes.appendLittleEndian(UInt16(0))
        bytes.appendLittleEndian(UInt32(scan.frames.count))
        bytes.appendLittleEndian(UInt64(scan.fileSize))
        bytes.appendLittleEndian(journalCRC32(headerBytes))
        bytes.appendLittleEndian(UInt32(0))
        bytes.appendLittleEndian(UInt64(scan.rawEventBytes))
        for frame in scan.frames {
            bytes.appendLittleEndian(UInt64(frame.offset))
            bytes.appendLittleEndian(UInt32(frame.length))
            bytes.appendLittleEndian(frame.type)
            bytes.appendLittleEndian(UInt16(0))
            bytes.appendLittleEndian(frame.firstSeq)
            bytes.appendLittleEndian(frame.count)
            bytes.appendLittleEndian(frame.checksum)
            bytes.appendLittleEndian(frame.previousChecksum)
            bytes.appendLittleEndian(frame.inflatedLength)
            bytes.appendLittleEndian(frame.earliestTimeMicroseconds)
            bytes.appendLittleEndian(frame.latestTimeMicroseconds)
            bytes.appendLittleEndian(UInt64(0))
        }
        bytes.appendLittleEndian(journalCRC32(bytes))
        return bytes
    }

    /// Decodes an index if it is intact and belongs to a segment of `fileSize` bytes with `headerBytes`.
    static func decode(
        _ bytes: [UInt8], name: SegmentName, fileSize: Int64, headerBytes: [UInt8], header: SegmentHeader
    ) -> SegmentScanner.Result? {
        let fixed = 40  // magic, version, padding, count, segment size, header CRC, padding, raw bytes
        guard bytes.count >= fixed + 4, Array(bytes[0..<8]) == magic,
            bytes.readLittleEndian(UInt16.self, at: 8) == version
        else { return nil }
        let count = Int(bytes.readLittleEndian(UInt32.self, at: 12))
        guard bytes.count == fixed + count * entryLength + 4,
            bytes.readLittleEndian(UInt32.self, at: bytes.count - 4) == journalCRC32(Array(bytes[0..<bytes.count - 4])),
            bytes.readLittleEndian(UInt64.self, at: 16) == UInt64(fileSize),
            bytes.readLittleEndian(UInt32.self, at: 24) == journalCRC32(headerBytes)
        else { return nil }
        var result = SegmentScanner.Result(name: name, fileSize: fileSize, header: header, validEnd: fileSize)
        result.fromIndex = true
        result.rawEventBytes = Int64(bytes.readLittleEndian(UInt64.self, at: 32))
        result.frames.reserveCapacity(count)
        for i in 0..<count {
            let base = fixed + i * entryLength
            let frame = FrameSummary(
                offset: Int64(bytes.readLittleEndian(UInt64.self, at: base)),
                length: Int(bytes.readLittleEndian(UInt32.self, at: base + 8)),
                type: bytes.readLittleEndian(UInt16.self, at: base + 12),
                firstSeq: bytes.readLittleEndian(UInt64.self, at: base + 16),
                count: bytes.readLittleEndian(UInt32.self, at: base + 24),
                checksum: bytes.readLittleEndian(UInt32.self, at: base + 28),
                previousChecksum: bytes.readLittleEndian(UInt32.self, at: base + 32),
                earliestTimeMicroseconds: bytes.readLittleEndian(Int64.self, at: base + 40),
                latestTimeMicroseconds: bytes.readLittleEndian(Int64.self, at: base + 48),
                inflatedLength: bytes.readLittleEndian(UInt32.self, at: base + 36))
            if frame.holdsEvents { result.eventCount += UInt64(frame.count) }
            result.frames.append(frame)
        }
        // The entries must tile the segment exactly, or the index is not this segment's.
        var expectedOffset = Int64(FormatV1.segmentHeaderLength)
        for frame in result.frames {
            guard frame.offset == expectedOffset else { return nil }
            expectedOffset = frame.end
        }
        guard expectedOffset == fileSize else { return nil }
        return result
    }

    /// Writes `scan`'s index beside its segment (through a temporary file and a rename, so a reader
    /// never sees half an index). No sync: a lost or torn index is simply rebuilt.
    static func write(
        _ scan: SegmentScanner.Result, headerBytes: [UInt8], directory: String, fileSystem: any JournalFileSystem
    ) throws {
        let bytes = encode(scan, headerBytes: headerBytes)
        let path = joinPath(directory, scan.name.indexFileName)
        let temporary = path + ".tmp"
        if fileSystem.fileExists(at: temporary) { try fileSystem.removeFile(at: temporary) }
        let file = try fileSystem.createFile(at: temporary)
        defer { file.close() }
        try file.writeAll(bytes, at: 0)
        try fileSystem.rename(from: temporary, to: path)
    }
}
