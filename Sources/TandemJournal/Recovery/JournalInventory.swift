import struct Foundation.UUID

/// Every segment of a journal directory, scanned and checked against its neighbours.
struct JournalInventory: Sendable {
    var directory: String
    var segments: [SegmentScanner.Result]
    var findings: [JournalFinding]
    /// Where the journal starts, if not at seq 1: retention's record, or a based journal's base.
    var start: RetainedStart? = nil

    /// The journal's UUID: its segments', or for a based journal that holds no segment yet, its base's.
    var journalID: UUID? { segments.lazy.compactMap(\.header).first?.journalID ?? start?.journalID }
    var corruption: [JournalFinding] { findings.filter { $0.severity == .corruption } }
    var tornTail: JournalFinding? { findings.first { $0.severity == .tornTail } }

    enum Depth {
        /// Use sealed segments' index files where they are intact; scan the newest segment fully.
        case open
        /// Read every byte of every segment and decode every payload.
        case verify
    }

    /// Lists and scans the segments of `directory`.
    static func load(directory: String, fileSystem: any JournalFileSystem, depth: Depth) throws -> JournalInventory {
        guard fileSystem.fileExists(at: directory) else {
            throw JournalError(.notFound, "journal directory \(directory) does not exist")
        }
        var findings: [JournalFinding] = []
        var names: [SegmentName] = []
        for entry in try fileSystem.contentsOfDirectory(at: directory) where entry.hasSuffix(SegmentName.fileExtension)
        {
            if let name = SegmentName(fileName: entry) {
                names.append(name)
            } else {
                findings.append(
                    JournalFinding(
                        severity: .corruption, segment: entry, offset: 0, seq: nil,
                        message:
                            "file name is not a segment name (EEEEEEEE-SSSSSSSSSSSSSSSS.seg); move it out of the journal directory"
                    ))
            }
        }
        names.sort()

        var scanner = SegmentScanner(fileSystem: fileSystem)
        scanner.verifyPayloads = depth == .verify
        var segments: [SegmentScanner.Result] = []
        for (i, name) in names.enumerated() {
            let isLast = i == names.count - 1
            if depth == .open, !isLast,
                let indexed = try loadIndex(directory: directory, name: name, fileSystem: fileSystem)
            {
                segments.append(indexed)
            } else {
                segments.append(try scanner.scan(directory: directory, name: name))
            }
        }

        for (i, segment) in segments.enumerated() {
            let isLast = i == segments.count - 1
            if let damage = segment.damage {
                let torn =
                    isLast && !damage.validDataFollows && (damage.kind == .incomplete || damage.kind == .invalidFrame)
                    || isLast && damage.offset == 0 && damage.kind == .badHeader && !damage.validDataFollows
                        && segment.fileSize <= Int64(FormatV1.segmentHeaderLength)
                var message = damage.message
                if !torn && !isLast && (damage.kind == .incomplete || damage.kind == .invalidFrame) {
                    message += "; later segments exist, so this is not a torn tail"
                } else if !torn && damage.validDataFollows && damage.kind != .discontinuity {
                    message += "; valid frames follow, so this is not a torn tail"
                }
                findings.append(
                    JournalFinding(
                        severity: torn ? .tornTail : .corruption, segment: segment.name.fileName,
                        offset: damage.offset, seq: damage.seq, message: message,
                        isUnsupported: damage.kind == .unsupported))
            }
            guard i > 0, let header = segment.header, let previous = segments[i - 1].header else { continue }
            let before = segments[i - 1]
            if header.journalID != previous.journalID {
                findings.append(
                    JournalFinding(
                        severity: .corruption, segment: segment.name.fileName, offset: 0, seq: header.firstSeq,
                        message: "segment belongs to journal \(header.journalID), not \(previous.journalID)"))
            }
            if header.epoch < previous.epoch {
                findings.append(
                    JournalFinding(
                        severity: .corruption, segment: segment.name.fileName, offset: 0, seq: header.firstSeq,
                        message: "epoch \(header.epoch) follows epoch \(previous.epoch); epochs never go back"))
            }
            if before.damage == nil, let lastSeq = before.lastSeq, header.previousLastSeq != lastSeq {
                let message =
                    header.previousLastSeq > lastSeq
                    ? "segment starts at seq \(header.firstSeq) but the previous segment ends at seq \(lastSeq): seqs \(lastSeq + 1)–\(header.previousLastSeq) are missing (a segment file is gone)"
                    : "segment starts at seq \(header.firstSeq) but the previous segment ends at seq \(lastSeq): the segments overlap"
                findings.append(
                    JournalFinding(
                        severity: .corruption, segment: segment.name.fileName, offset: 0,
                        seq: header.firstSeq, message: message))
            } else if before.damage == nil, let checksum = before.lastChecksum, header.previousChecksum != checksum {
                findings.append(
                    JournalFinding(
                        severity: .corruption, segment: segment.name.fileName, offset: 0, seq: header.firstSeq,
                        message:
                            "segment's chain link \(hex(header.previousChecksum)) does not match the last frame of \(before.name) (\(hex(checksum))): a segment was replaced or is missing"
                    ))
            }
        }
        var start: RetainedStart?
        do {
            start = try RetainedStart.load(directory: directory, fileSystem: fileSystem)
            findings += retainedStartFindings(start, segments: segments)
        } catch {
            findings.append(
                JournalFinding(
                    severity: .corruption, segment: RetainedStart.fileName, offset: 0, seq: nil,
                    message: "the retained-start record is damaged"))
        }
        return JournalInventory(directory: directory, segments: segments, findings: findings, start: start)
    }

    /// The record of where the journal starts (retention's or a based journal's): the oldest
    /// segment must not start later, and one that starts exactly there must link to its chain checksum.
    private static func retainedStartFindings(
        _ record: RetainedStart?, segments: [SegmentScanner.Result]
    ) -> [JournalFinding] {
        guard let record, let first = segments.first, let header = first.header else { return [] }
        if header.journalID != record.journalID {
            return [
                JournalFinding(
                    severity: .corruption, segment: RetainedStart.fileName, offset: 0, seq: nil,
                    message: "the retained-start record belongs to journal \(record.journalID), not \(header.journalID)"
                )
            ]
        }
        if header.firstSeq == record.firstSeq && header.previousChecksum != record.previousChecksum {
            return [
                JournalFinding(
                    severity: .corruption, segment: first.name.fileName, offset: 0, seq: header.firstSeq,
                    message:
                        "the segment's chain link \(hex(header.previousChecksum)) does not match the journal's recorded start (\(hex(record.previousChecksum)) at seq \(record.firstSeq - 1)): it continues another history"
                )
            ]
        }
        guard header.firstSeq > record.firstSeq else { return [] }
        return [
            JournalFinding(
                severity: .corruption, segment: first.name.fileName, offset: 0, seq: header.firstSeq,
                message:
                    "the journal starts at seq \(header.firstSeq) but retention kept everything from seq \(record.firstSeq): seqs \(record.firstSeq)–\(header.firstSeq - 1) are missing (a segment file is gone)"
            )
        ]
    }

    private static func loadIndex(
        directory: String, name: SegmentName, fileSystem: any JournalFileSystem
    ) throws -> SegmentScanner.Result? {
        let indexPath = joinPath(directory, name.indexFileName)
        guard fileSystem.fileExists(at: indexPath) else { return nil }
        let segment = try fileSystem.openFile(at: joinPath(directory, name.fileName), writable: false)
        defer { segment.close() }
        let headerBytes = try segment.read(count: FormatV1.segmentHeaderLength, at: 0)
        guard case .success(let header) = SegmentHeader.parse(headerBytes),
            header.epoch == name.epoch, header.firstSeq == name.firstSeq
        else { return nil }
        let index = try fileSystem.openFile(at: indexPath, writable: false)
        defer { index.close() }
        return SegmentIndexFile.decode(
            try index.readAll(), name: name, fileSize: try segment.size(), headerBytes: headerBytes, header: header)
    }
}
