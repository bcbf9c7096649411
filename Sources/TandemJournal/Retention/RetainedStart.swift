import struct Foundation.UUID

/// Where a journal starts when it does not start at seq 1: written by retention when it removes
/// the oldest segments, and by a staging server that bootstraps its journal from a checkpoint
/// (its *base*). A first segment that goes missing later is still detected, and an empty based
/// journal knows the seq, chain checksum and epoch its first frame continues
/// (Journal/FORMAT.md, "Retention" and "Based journals").
struct RetainedStart: Hashable, Sendable {
    static let fileName = "RETAINED"
    static let magic: [UInt8] = Array("TNDMRET".utf8) + [0]
    /// Version 1: no epoch (written by retention before based journals existed).
    static let lengthV1 = 48
    /// Version 2: with the epoch of the first seq.
    static let lengthV2 = 60

    var journalID: UUID
    /// The first seq of the oldest segment retention kept (or, in a based journal, base seq + 1).
    var firstSeq: UInt64
    /// That segment's `previous chain checksum`: the checksum of the frame ending at `firstSeq − 1`.
    var previousChecksum: UInt32
    /// The epoch of the event at `firstSeq − 1`, which an empty based journal's first frames
    /// continue; `nil` in a version 1 record (retention's, which always keeps a segment).
    var epoch: UInt64?

    func serialized() -> [UInt8] {
        var bytes = Self.magic
        bytes.appendLittleEndian(UInt16(epoch == nil ? 1 : 2))
        bytes.appendLittleEndian(UInt16(0))
        bytes.appendLittleEndian(UInt32(0))
        let id = journalID.uuid
        bytes += [
            id.0, id.1, id.2, id.3, id.4, id.5, id.6, id.7, id.8, id.9, id.10, id.11, id.12, id.13, id.14, id.15,
        ]
        bytes.appendLittleEndian(firstSeq)
        bytes.appendLittleEndian(previousChecksum)
        if let epoch {
            bytes.appendLittleEndian(UInt32(0))
            bytes.appendLittleEndian(epoch)
        }
        bytes.appendLittleEndian(journalCRC32(bytes))
        return bytes
    }

    static func parse(_ bytes: [UInt8]) -> RetainedStart? {
        guard bytes.count >= lengthV1, Array(bytes[0..<8]) == magic else { return nil }
        let version = bytes.readLittleEndian(UInt16.self, at: 8)
        let length = version == 1 ? lengthV1 : lengthV2
        guard version == 1 || version == 2, bytes.count == length,
            bytes.readLittleEndian(UInt32.self, at: length - 4) == journalCRC32(Array(bytes[0..<(length - 4)])),
            bytes.readLittleEndian(UInt16.self, at: 10) == 0, bytes.readLittleEndian(UInt32.self, at: 12) == 0
        else { return nil }
        if version == 2 {
            guard bytes.readLittleEndian(UInt32.self, at: 44) == 0, bytes.readLittleEndian(UInt64.self, at: 48) >= 1
            else { return nil }
        }
        let id = Array(bytes[16..<32])
        let firstSeq = bytes.readLittleEndian(UInt64.self, at: 32)
        guard firstSeq >= 1 else { return nil }
        return RetainedStart(
            journalID: UUID(
                uuid: (
                    id[0], id[1], id[2], id[3], id[4], id[5], id[6], id[7], id[8], id[9], id[10], id[11], id[12],
                    id[13], id[14], id[15]
                )),
            firstSeq: firstSeq,
            previousChecksum: bytes.readLittleEndian(UInt32.self, at: 40),
            epoch: version == 2 ? bytes.readLittleEndian(UInt64.self, at: 48) : nil)
    }

    /// Writes the record atomically (temporary file, sync, rename, directory sync).
    func write(directory: String, fileSystem: any JournalFileSystem) throws {
        let temporary = joinPath(directory, "." + Self.fileName + ".tmp")
        if fileSystem.fileExists(at: temporary) { try fileSystem.removeFile(at: temporary) }
        let file = try fileSystem.createFile(at: temporary)
        do {
            defer { file.close() }
            try file.writeAll(serialized(), at: 0)
            try file.sync()
        }
        try fileSystem.rename(from: temporary, to: joinPath(directory, Self.fileName))
        try fileSystem.syncDirectory(at: directory)
    }

    /// The record in `directory`, if any; a damaged record is an error.
    static func load(directory: String, fileSystem: any JournalFileSystem) throws -> RetainedStart? {
        let path = joinPath(directory, fileName)
        guard fileSystem.fileExists(at: path) else { return nil }
        let file = try fileSystem.openFile(at: path, writable: false)
        defer { file.close() }
        guard let record = parse(try file.readAll()) else {
            throw JournalError(
                .corruption, "the retained-start record \(path) is damaged; run 'tandem journal verify \(directory)'")
        }
        return record
    }
}

extension Journal {
    /// Removes the oldest sealed segments whose events all have seqs ≤ `seq`, after recording
    /// where the journal now starts. The segment being written is never removed, nor any segment
    /// after one that is kept. Returns the removed segments' file names.
    ///
    /// Readers that already hold a removed segment open keep reading it; new readers start at
    /// the new first seq.
    public func removeSegments(through seq: UInt64) throws -> [String] {
        let summaries = try reader().segmentSummaries
        var removable: [String] = []
        var firstKept: SegmentHeader?
        for (index, segment) in summaries.enumerated() {
            guard let header = segment.header else { break }
            let lastSeq = segment.frames.last { $0.count > 0 }?.lastSeq ?? header.firstSeq - 1
            if index == summaries.count - 1 || lastSeq > seq {
                firstKept = header
                break
            }
            removable.append(segment.segment)
        }
        guard !removable.isEmpty, let firstKept else { return [] }
        try RetainedStart(
            journalID: journalID, firstSeq: firstKept.firstSeq, previousChecksum: firstKept.previousChecksum
        ).write(directory: directory, fileSystem: fileSystem)
        for name in removable {
            try fileSystem.removeFile(at: joinPath(directory, name))
            if let segment = SegmentName(fileName: name) {
                let index = joinPath(directory, segment.indexFileName)
                if fileSystem.fileExists(at: index) { try fileSystem.removeFile(at: index) }
            }
        }
        try fileSystem.syncDirectory(at: directory)
        return removable
    }
}
