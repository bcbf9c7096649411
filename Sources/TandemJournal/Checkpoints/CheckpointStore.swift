import struct Foundation.UUID

/// The checkpoint files of one deployment: a directory of `SSSSSSSSSSSSSSSS.ckpt` files, each a
/// serialized state at a seq (Journal/FORMAT.md, "Checkpoint files").
///
/// A checkpoint is written whole or not at all (temporary file, `fsync`, rename, directory
/// `fsync`), so a crash never leaves a half-written checkpoint under a checkpoint's name. Reading
/// checks the header and payload checksums and zlib's Adler-32: a damaged file is reported, never
/// returned.
public struct CheckpointStore: Sendable {
    public let directory: String
    let fileSystem: any JournalFileSystem
    /// zlib level for payloads; level 1 is several times faster than 6 on state and nearly as small.
    public var compressionLevel: Int32 = 1
    /// Inflated bytes per zlib part: parts compress and inflate on every core.
    package var partBytes = 8 << 20
    /// The file format written: 2, or 1 (one zlib stream) for a build that reads only that.
    package var formatVersion = CheckpointHeader.formatVersion

    public init(directory: String) {
        self.init(directory: directory, fileSystem: POSIXFileSystem())
    }

    package init(directory: String, fileSystem: any JournalFileSystem) {
        self.directory = directory
        self.fileSystem = fileSystem
    }

    static let fileExtension = ".ckpt"

    /// The file name of the checkpoint at `seq`: its seq as 16 lowercase hexadecimal digits.
    public static func fileName(seq: UInt64) -> String {
        let hex = String(seq, radix: 16)
        return String(repeating: "0", count: max(0, 16 - hex.count)) + hex + fileExtension
    }

    static func seq(fileName: String) -> UInt64? {
        guard fileName.hasSuffix(fileExtension) else { return nil }
        let stem = fileName.dropLast(fileExtension.count)
        guard stem.count == 16, stem.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        return UInt64(stem, radix: 16)
    }

    /// One checkpoint file as listed: its header if readable, else why not.
    public struct Entry: Sendable {
        public var seq: UInt64
        public var fileName: String
        public var fileSize: Int64
        public var header: Result<CheckpointHeader, JournalError>
    }

    /// Every checkpoint file, oldest first, with its header checked (payloads are not read).
    public func list() throws -> [Entry] {
        guard fileSystem.fileExists(at: directory) else { return [] }
        var entries: [Entry] = []
        for name in try fileSystem.contentsOfDirectory(at: directory) {
            guard let seq = Self.seq(fileName: name) else { continue }
            let file = try fileSystem.openFile(at: joinPath(directory, name), writable: false)
            defer { file.close() }
            let size = try file.size()
            var header = CheckpointHeader.parse(try file.read(count: CheckpointHeader.length, at: 0))
            if case .success(let parsed) = header {
                if parsed.seq != seq {
                    header = .failure(JournalError(.corruption, "the header says seq \(parsed.seq), the name \(seq)"))
                } else if Int64(CheckpointHeader.length) + Int64(parsed.storedLength) != size {
                    header = .failure(
                        JournalError(
                            .corruption,
                            "the file is \(size) bytes, the header promises \(CheckpointHeader.length + Int(parsed.storedLength))"
                        ))
                }
            }
            entries.append(Entry(seq: seq, fileName: name, fileSize: size, header: header))
        }
        return entries.sorted { $0.seq < $1.seq }
    }

    /// Writes a checkpoint atomically and returns its header. An existing checkpoint at the same
    /// seq is replaced (it holds the same state: the fold through a seq is unique).
    @discardableResult
    public func write(
        seq: UInt64, epoch: UInt64, timeMicroseconds: Int64, journalID: UUID, stateDigest: [UInt8], payload: [UInt8]
    ) throws -> CheckpointHeader {
        precondition(stateDigest.count == 32, "a state digest is 32 bytes")
        guard payload.count < CheckpointHeader.maxPayloadBytes else {
            throw JournalError(.limitExceeded, "a checkpoint payload of \(payload.count) bytes exceeds 4 GiB")
        }
        precondition(formatVersion == 1 || formatVersion == 2, "checkpoint format versions are 1 and 2")
        let stored =
            formatVersion == 1
            ? try Deflater(level: compressionLevel).compress(payload)
            : try Self.compressParts(payload, level: compressionLevel, partBytes: partBytes)
        let header = CheckpointHeader(
            formatVersion: formatVersion,
            journalID: journalID, seq: seq, epoch: epoch, timeMicroseconds: timeMicroseconds, stateDigest: stateDigest,
            storedLength: UInt64(stored.count), inflatedLength: UInt64(payload.count),
            payloadChecksum: journalCRC32(stored))
        try fileSystem.createDirectory(at: directory)
        let name = Self.fileName(seq: seq)
        let temporary = joinPath(directory, "." + name + ".tmp")
        if fileSystem.fileExists(at: temporary) { try fileSystem.removeFile(at: temporary) }
        let file = try fileSystem.createFile(at: temporary)
        do {
            defer { file.close() }
            try file.writeAll(header.serialized(), at: 0)
            try file.writeAll(stored, at: Int64(CheckpointHeader.length))
            try file.sync()
        } catch {
            try? fileSystem.removeFile(at: temporary)
            throw error
        }
        try fileSystem.rename(from: temporary, to: joinPath(directory, name))
        try fileSystem.syncDirectory(at: directory)
        return header
    }

    /// Reads and checks a checkpoint, returning its header and inflated payload.
    ///
    /// - Throws: ``JournalError`` `.corruption` naming the file and what is wrong with it.
    public func read(seq: UInt64) throws -> (header: CheckpointHeader, payload: [UInt8]) {
        let name = Self.fileName(seq: seq)
        func damaged(_ why: String) -> JournalError {
            JournalError(.corruption, "checkpoint \(name): \(why)", location: .init(seq: seq))
        }
        let file = try fileSystem.openFile(at: joinPath(directory, name), writable: false)
        defer { file.close() }
        let bytes = try file.readAll()
        let header: CheckpointHeader
        switch CheckpointHeader.parse(bytes) {
        case .success(let parsed): header = parsed
        case .failure(let error): throw damaged(error.message)
        }
        guard header.seq == seq else { throw damaged("the header says seq \(header.seq)") }
        guard bytes.count == CheckpointHeader.length + Int(header.storedLength) else {
            throw damaged(
                "the file is \(bytes.count) bytes, the header promises \(CheckpointHeader.length + Int(header.storedLength))"
            )
        }
        let payload: [UInt8] = try bytes.withUnsafeBytes { raw in
            let stored = UnsafeRawBufferPointer(rebasing: raw[CheckpointHeader.length...])
            guard journalCRC32(stored) == header.payloadChecksum else {
                throw damaged("the payload fails its checksum")
            }
            if header.formatVersion == 1 {
                do {
                    return try Inflater().decompress(stored, expectedLength: Int(header.inflatedLength))
                } catch {
                    throw damaged("the payload does not inflate to \(header.inflatedLength) bytes")
                }
            }
            return []
        }
        if header.formatVersion == 1 { return (header, payload) }
        guard let parts = try? Self.inflateParts(bytes, from: CheckpointHeader.length),
            parts.count == Int(header.inflatedLength)
        else { throw damaged("the payload does not inflate to \(header.inflatedLength) bytes") }
        return (header, parts)
    }

    /// A version 2 payload: `u32` part count, per part `u32` stored and `u32` inflated length,
    /// then the parts, each one zlib stream. Parts compress in parallel.
    static func compressParts(_ payload: [UInt8], level: Int32, partBytes: Int) throws -> [UInt8] {
        let ranges = stride(from: 0, to: max(payload.count, 1), by: partBytes).map {
            $0..<min($0 + partBytes, payload.count)
        }
        let parts = try concurrentMap(ranges.count) { index in
            try Deflater(level: level).compress(Array(payload[ranges[index]]))
        }
        var stored: [UInt8] = []
        stored.reserveCapacity(4 + 8 * parts.count + parts.reduce(0) { $0 + $1.count })
        stored.appendLittleEndian(UInt32(parts.count))
        for (range, part) in zip(ranges, parts) {
            stored.appendLittleEndian(UInt32(part.count))
            stored.appendLittleEndian(UInt32(range.count))
        }
        for part in parts { stored += part }
        return stored
    }

    private struct MalformedParts: Error {}

    /// A buffer that concurrent tasks fill, each its own range of it (so no two touch the same byte).
    private struct DisjointWrites: @unchecked Sendable {
        let buffer: UnsafeMutableRawBufferPointer
    }

    /// Inflates the parts of a version 2 payload that starts at `start` of `bytes`, in parallel.
    static func inflateParts(_ bytes: [UInt8], from start: Int) throws -> [UInt8] {
        guard bytes.count - start >= 4 else { throw MalformedParts() }
        let count = Int(bytes.readLittleEndian(UInt32.self, at: start))
        guard count <= (bytes.count - start - 4) / 8 else { throw MalformedParts() }
        var ranges: [(stored: Range<Int>, inflated: Int)] = []
        var offset = start + 4 + 8 * count
        var total = 0
        for index in 0..<count {
            let storedLength = Int(bytes.readLittleEndian(UInt32.self, at: start + 4 + 8 * index))
            let inflatedLength = Int(bytes.readLittleEndian(UInt32.self, at: start + 8 + 8 * index))
            guard storedLength <= bytes.count - offset else { throw MalformedParts() }
            ranges.append((offset..<offset + storedLength, inflatedLength))
            offset += storedLength
            total += inflatedLength
        }
        guard offset == bytes.count, total <= CheckpointHeader.maxPayloadBytes else { throw MalformedParts() }
        // Every part inflates on some core straight into its place in the payload: no array per part,
        // no zero-filling, no copy into the payload afterwards (a gigabyte at a million people).
        let partRanges = ranges
        let starts = ranges.reduce(into: [0]) { $0.append($0.last! + $1.inflated) }
        var failed = false
        let payload = [UInt8](unsafeUninitializedCapacity: total) { buffer, initialized in
            let output = DisjointWrites(buffer: UnsafeMutableRawBufferPointer(buffer))
            let outcomes = try? concurrentMap(count) { index in
                let part = UnsafeMutableRawBufferPointer(
                    rebasing: output.buffer[starts[index]..<starts[index] + partRanges[index].inflated])
                return bytes.withUnsafeBytes { raw in
                    (try? Inflater().decompress(
                        UnsafeRawBufferPointer(rebasing: raw[partRanges[index].stored]), into: part))
                        != nil
                }
            }
            failed = outcomes?.allSatisfy { $0 } != true
            // Bytes are plain values: a failed part leaves garbage, never an invalid state, and is thrown away.
            initialized = total
        }
        guard !failed else { throw MalformedParts() }
        return payload
    }

    /// Removes the checkpoint at `seq` (retention).
    public func remove(seq: UInt64) throws {
        try fileSystem.removeFile(at: joinPath(directory, Self.fileName(seq: seq)))
        try fileSystem.syncDirectory(at: directory)
    }
}
