import struct Foundation.UUID

/// A sorted, block-compressed map from object keys (opaque bytes the layer above chooses) to the
/// seqs of the events that touched each object, covering the journal's seqs `baseSeq + 1` through
/// `coveredSeq` (Journal/FORMAT.md, "Object index file"): from seq 1 for a whole index, from
/// another index's covered seq for a tail.
///
/// It is a rebuildable side file, like a segment index: a lookup reads the header, the block
/// directory and one block per key, so its cost does not grow with the journal. Every part is
/// checksummed; a damaged or foreign file is reported, never half-trusted.
public struct ObjectIndexFile: Sendable {
    static let magic: [UInt8] = Array("TNDMOIX".utf8) + [0]
    static let headerLength = 64
    /// The header of a version 2 file, which adds the base seq.
    static let baseHeaderLength = 72
    static let formatVersion: UInt16 = 2
    /// Keys per block: small enough that a lookup inflates a few tens of kilobytes.
    static let keysPerBlock = 1024

    /// The journal whose events the index lists.
    public let journalID: UUID
    /// The index lists every event after this seq (0: from the journal's first).
    public let baseSeq: UInt64
    /// The index lists every event with a seq up to this one.
    public let coveredSeq: UInt64
    /// The epoch of the event at `coveredSeq`: a journal whose tail was replaced (a superseded
    /// active's divergent tail moved aside) no longer matches.
    public let coveredEpoch: UInt64
    /// Seqs that concern every object (for the engine: restores).
    public let sharedSeqs: [UInt64]

    private let path: String
    private let fileSystem: any JournalFileSystem
    private let blocks: [Block]

    struct Block: Sendable {
        var firstKey: [UInt8]
        var offset: Int64
        var storedLength: Int
        var inflatedLength: Int
        var checksum: UInt32
    }

    /// One object's key and the seqs that touched it, ascending.
    public struct Entry: Sendable, Hashable {
        public var key: [UInt8]
        public var seqs: [UInt64]

        public init(key: [UInt8], seqs: [UInt64]) {
            self.key = key
            self.seqs = seqs
        }
    }

    /// Opens the index at `path`, checking its header and block directory.
    ///
    /// - Throws: ``JournalError`` `.notFound` if there is no file, `.corruption` naming what is
    ///   damaged, `.unsupportedVersion` for a newer format.
    public static func open(path: String) throws -> ObjectIndexFile {
        try open(path: path, fileSystem: POSIXFileSystem())
    }

    package static func open(path: String, fileSystem: any JournalFileSystem) throws -> ObjectIndexFile {
        guard fileSystem.fileExists(at: path) else { throw JournalError(.notFound, "no object index at \(path)") }
        func damaged(_ why: String) -> JournalError { JournalError(.corruption, "object index \(path): \(why)") }
        let file = try fileSystem.openFile(at: path, writable: false)
        defer { file.close() }
        let size = try file.size()
        guard size >= Int64(headerLength) else { throw damaged("the file is shorter than its header") }
        var header = try file.read(count: headerLength, at: 0)
        guard Array(header[0..<8]) == magic else { throw damaged("the file does not start with the index magic") }
        let version = header.readLittleEndian(UInt16.self, at: 8)
        guard version >= 1 && version <= formatVersion else {
            throw JournalError(
                .unsupportedVersion,
                "object index format version \(version) is not supported (this build reads versions 1 to "
                    + "\(formatVersion))")
        }
        // Version 2 appends the base seq to the header; the header checksum moves to its end.
        let length = version == 1 ? headerLength : baseHeaderLength
        if version > 1 {
            guard size >= Int64(length) else { throw damaged("the file is shorter than its header") }
            header = try file.read(count: length, at: 0)
        }
        guard header.readLittleEndian(UInt32.self, at: length - 4) == journalCRC32(Array(header[0..<(length - 4)]))
        else {
            throw damaged("the header fails its checksum")
        }
        let baseSeq = version == 1 ? 0 : header.readLittleEndian(UInt64.self, at: 60)
        let id = Array(header[16..<32])
        let journalID = UUID(
            uuid: (
                id[0], id[1], id[2], id[3], id[4], id[5], id[6], id[7], id[8], id[9], id[10], id[11], id[12], id[13],
                id[14], id[15]
            ))
        let storedLength = Int(header.readLittleEndian(UInt32.self, at: 48))
        let inflatedLength = Int(header.readLittleEndian(UInt32.self, at: 52))
        guard Int64(storedLength) <= size - Int64(length) else {
            throw damaged("the block directory is longer than the file")
        }
        let stored = try file.read(count: storedLength, at: size - Int64(storedLength))
        guard journalCRC32(stored) == header.readLittleEndian(UInt32.self, at: 56) else {
            throw damaged("the block directory fails its checksum")
        }
        let directory: [UInt8]
        do {
            directory = try stored.withUnsafeBytes { try Inflater().decompress($0, expectedLength: inflatedLength) }
        } catch {
            throw damaged("the block directory does not inflate")
        }
        var sharedSeqs: [UInt64] = []
        var blocks: [Block] = []
        let parsed: Bool = directory.withUnsafeBytes { raw in
            var cursor = ByteCursor(raw)
            guard let shared = cursor.readVarint(), shared <= UInt64(raw.count) else { return false }
            var seq: UInt64 = 0
            for _ in 0..<shared {
                guard let delta = cursor.readVarint() else { return false }
                seq &+= delta
                sharedSeqs.append(seq)
            }
            guard let count = cursor.readVarint(), count <= UInt64(raw.count) else { return false }
            for _ in 0..<count {
                guard let keyLength = cursor.readVarint(), let key = cursor.readBytes(Int(clamping: keyLength)),
                    let offset = cursor.readVarint(), let stored = cursor.readVarint(),
                    let inflated = cursor.readVarint(), let checksum = cursor.readVarint(),
                    offset >= UInt64(length), offset + stored <= UInt64(size) - UInt64(storedLength),
                    inflated <= UInt64(UInt32.max), checksum <= UInt64(UInt32.max)
                else { return false }
                blocks.append(
                    Block(
                        firstKey: key, offset: Int64(offset), storedLength: Int(stored), inflatedLength: Int(inflated),
                        checksum: UInt32(checksum)))
            }
            return cursor.isAtEnd
        }
        guard parsed else { throw damaged("the block directory is malformed") }
        return ObjectIndexFile(
            journalID: journalID, baseSeq: baseSeq, coveredSeq: header.readLittleEndian(UInt64.self, at: 32),
            coveredEpoch: header.readLittleEndian(UInt64.self, at: 40), sharedSeqs: sharedSeqs, path: path,
            fileSystem: fileSystem, blocks: blocks)
    }

    /// The seqs recorded for `key`, ascending; empty if the index does not know the key.
    public func seqs(for key: [UInt8]) throws -> [UInt64] {
        // The last block whose first key is at or before `key`.
        var low = 0
        var high = blocks.count
        while low < high {
            let mid = (low + high) / 2
            if blocks[mid].firstKey.lexicographicallyPrecedes(key) || blocks[mid].firstKey == key {
                low = mid + 1
            } else {
                high = mid
            }
        }
        guard low > 0 else { return [] }
        return try entries(in: blocks[low - 1]).first { $0.key == key }?.seqs ?? []
    }

    /// Every entry, in key order (to extend the index).
    public func allEntries() throws -> [Entry] {
        try blocks.flatMap { try entries(in: $0) }
    }

    private func entries(in block: Block) throws -> [Entry] {
        func damaged(_ why: String) -> JournalError {
            JournalError(.corruption, "object index \(path): the block at offset \(block.offset) \(why)")
        }
        let file = try fileSystem.openFile(at: path, writable: false)
        defer { file.close() }
        let stored = try file.read(count: block.storedLength, at: block.offset)
        guard journalCRC32(stored) == block.checksum else { throw damaged("fails its checksum") }
        let bytes: [UInt8]
        do {
            bytes = try stored.withUnsafeBytes { try Inflater().decompress($0, expectedLength: block.inflatedLength) }
        } catch {
            throw damaged("does not inflate")
        }
        let entries: [Entry]? = bytes.withUnsafeBytes { raw in
            var cursor = ByteCursor(raw)
            guard let count = cursor.readVarint(), count <= UInt64(raw.count) else { return nil }
            var entries: [Entry] = []
            entries.reserveCapacity(Int(count))
            for _ in 0..<count {
                guard let keyLength = cursor.readVarint(), let key = cursor.readBytes(Int(clamping: keyLength)),
                    let seqCount = cursor.readVarint(), seqCount <= UInt64(raw.count)
                else { return nil }
                var seqs: [UInt64] = []
                seqs.reserveCapacity(Int(seqCount))
                var seq: UInt64 = 0
                for _ in 0..<seqCount {
                    guard let delta = cursor.readVarint() else { return nil }
                    seq &+= delta
                    seqs.append(seq)
                }
                entries.append(Entry(key: key, seqs: seqs))
            }
            return cursor.isAtEnd ? entries : nil
        }
        guard let entries else { throw damaged("is malformed") }
        return entries
    }

    /// Writes an index atomically (temporary file, `fsync`, rename, directory `fsync`).
    /// `entries` must be in ascending key order with distinct keys. An index from seq 1
    /// (`baseSeq` 0) is written in format version 1, a tail in version 2.
    public static func write(
        path: String, journalID: UUID, baseSeq: UInt64 = 0, coveredSeq: UInt64, coveredEpoch: UInt64,
        sharedSeqs: [UInt64], entries: [Entry]
    ) throws {
        try write(
            path: path, journalID: journalID, baseSeq: baseSeq, coveredSeq: coveredSeq, coveredEpoch: coveredEpoch,
            sharedSeqs: sharedSeqs, entries: entries, fileSystem: POSIXFileSystem())
    }

    package static func write(
        path: String, journalID: UUID, baseSeq: UInt64 = 0, coveredSeq: UInt64, coveredEpoch: UInt64,
        sharedSeqs: [UInt64], entries: [Entry], fileSystem: any JournalFileSystem
    ) throws {
        precondition(baseSeq <= coveredSeq, "an object index covers the seqs after its base")
        let length = baseSeq == 0 ? headerLength : baseHeaderLength
        precondition(
            zip(entries, entries.dropFirst()).allSatisfy { $0.key.lexicographicallyPrecedes($1.key) },
            "object index entries must be sorted by key, without duplicates")
        let deflater = try Deflater(level: 1)
        var body: [UInt8] = []
        var directory: [UInt8] = []
        directory.appendVarint(UInt64(sharedSeqs.count))
        appendDeltas(sharedSeqs, to: &directory)
        let blockCount = (entries.count + keysPerBlock - 1) / keysPerBlock
        directory.appendVarint(UInt64(blockCount))
        for start in stride(from: 0, to: entries.count, by: keysPerBlock) {
            let slice = entries[start..<min(start + keysPerBlock, entries.count)]
            var block: [UInt8] = []
            block.appendVarint(UInt64(slice.count))
            for entry in slice {
                block.appendVarint(UInt64(entry.key.count))
                block += entry.key
                block.appendVarint(UInt64(entry.seqs.count))
                appendDeltas(entry.seqs, to: &block)
            }
            let stored = try deflater.compress(block)
            directory.appendVarint(UInt64(slice.first!.key.count))
            directory += slice.first!.key
            directory.appendVarint(UInt64(length + body.count))
            directory.appendVarint(UInt64(stored.count))
            directory.appendVarint(UInt64(block.count))
            directory.appendVarint(UInt64(journalCRC32(stored)))
            body += stored
        }
        let storedDirectory = try deflater.compress(directory)
        guard body.count + storedDirectory.count < Int(UInt32.max), directory.count < Int(UInt32.max) else {
            throw JournalError(.limitExceeded, "an object index of \(body.count) bytes exceeds 4 GiB")
        }
        var header = magic
        header.appendLittleEndian(UInt16(baseSeq == 0 ? 1 : 2))
        header.appendLittleEndian(UInt16(length))
        header.appendLittleEndian(UInt32(0))
        let id = journalID.uuid
        header += [
            id.0, id.1, id.2, id.3, id.4, id.5, id.6, id.7, id.8, id.9, id.10, id.11, id.12, id.13, id.14, id.15,
        ]
        header.appendLittleEndian(coveredSeq)
        header.appendLittleEndian(coveredEpoch)
        header.appendLittleEndian(UInt32(storedDirectory.count))
        header.appendLittleEndian(UInt32(directory.count))
        header.appendLittleEndian(journalCRC32(storedDirectory))
        if baseSeq > 0 { header.appendLittleEndian(baseSeq) }
        header.appendLittleEndian(journalCRC32(header))
        precondition(header.count == length, "object index header must be \(length) bytes")

        let parent = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let name = String(path.split(separator: "/").last ?? "")
        let temporary = joinPath(parent.isEmpty ? "." : parent, "." + name + ".tmp")
        if fileSystem.fileExists(at: temporary) { try fileSystem.removeFile(at: temporary) }
        let file = try fileSystem.createFile(at: temporary)
        do {
            defer { file.close() }
            try file.writeAll(header, at: 0)
            try file.writeAll(body, at: Int64(length))
            try file.writeAll(storedDirectory, at: Int64(length + body.count))
            try file.sync()
        } catch {
            try? fileSystem.removeFile(at: temporary)
            throw error
        }
        try fileSystem.rename(from: temporary, to: path)
        try fileSystem.syncDirectory(at: parent.isEmpty ? "." : parent)
    }

    private static func appendDeltas(_ seqs: [UInt64], to bytes: inout [UInt8]) {
        var previous: UInt64 = 0
        for seq in seqs {
            bytes.appendVarint(seq &- previous)
            previous = seq
        }
    }
}
