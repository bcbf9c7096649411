import Logging

import struct Foundation.UUID

/// An append-only journal of events, opened for writing by exactly one process.
///
/// Events are grouped into checksummed, zlib-compressed frames (group commit) and an append
/// returns only once its frame is written and `fdatasync`ed. Opening recovers a torn tail and
/// refuses corruption (see Journal/FORMAT.md).
public final class Journal: Sendable {
    public let directory: String
    public let journalID: UUID
    /// What opening repaired, if the last write before a crash was torn.
    public let recoveredTornTail: JournalFinding?

    let writer: JournalWriter
    private let lock: any JournalLock
    let fileSystem: any JournalFileSystem

    /// Opens (creating if needed) the journal in `directory` for writing.
    ///
    /// - Throws: ``JournalError`` `.locked` if another process writes it, `.corruption` if it is damaged
    ///   beyond a torn tail, `.mismatchedJournal` if `options.journalID` names a different journal.
    public static func open(directory: String, options: JournalOptions = JournalOptions()) throws -> Journal {
        try open(directory: directory, options: options, fileSystem: POSIXFileSystem())
    }

    package static func open(
        directory: String, options: JournalOptions, fileSystem: any JournalFileSystem
    ) throws -> Journal {
        try options.validate()
        try fileSystem.createDirectory(at: directory)
        let lock = try fileSystem.lockExclusively(at: joinPath(directory, "LOCK"))
        do {
            let (inventory, repair) = try JournalRecovery.recover(
                directory: directory, fileSystem: fileSystem, logger: options.logger)
            let existingID = inventory.journalID
            if let existingID, let wanted = options.journalID, existingID != wanted {
                throw JournalError(
                    .mismatchedJournal, "the journal in \(directory) is \(existingID), not the expected \(wanted)")
            }
            let journalID = existingID ?? options.journalID ?? UUID()
            let tail = inventory.segments.last
            // A based journal with no segment yet continues its base (Journal/FORMAT.md, "Based journals").
            let start = tail == nil ? inventory.start : nil
            let nextSeq = (tail?.lastSeq).map { $0 + 1 } ?? start?.firstSeq ?? 1
            let segments = try SegmentWriter(
                directory: directory, fileSystem: fileSystem, options: options, journalID: journalID, tail: tail,
                epoch: tail?.header?.epoch ?? start?.epoch ?? options.initialEpoch, nextSeq: nextSeq,
                lastChecksum: tail?.lastChecksum ?? start?.previousChecksum ?? 0)
            let latestTime = inventory.segments.reversed().lazy.compactMap {
                $0.frames.last(where: \.holdsEvents)?.latestTimeMicroseconds
            }.first
            let writer = JournalWriter(
                segments: segments, options: options, committedSeq: nextSeq - 1, latestTimeMicroseconds: latestTime)
            writer.start()
            options.logger.info(
                "opened journal",
                metadata: [
                    "directory": "\(directory)", "journal": "\(journalID)", "lastSeq": "\(nextSeq - 1)",
                    "segments": "\(inventory.segments.count)",
                ])
            return Journal(
                directory: directory, journalID: journalID, recoveredTornTail: repair?.finding, writer: writer,
                lock: lock, fileSystem: fileSystem)
        } catch {
            lock.release()
            throw error
        }
    }

    private init(
        directory: String, journalID: UUID, recoveredTornTail: JournalFinding?, writer: JournalWriter,
        lock: any JournalLock, fileSystem: any JournalFileSystem
    ) {
        self.directory = directory
        self.journalID = journalID
        self.recoveredTornTail = recoveredTornTail
        self.writer = writer
        self.lock = lock
        self.fileSystem = fileSystem
    }

    /// The last durable (acknowledged) seq; 0 for an empty journal.
    public var lastSeq: UInt64 { writer.commits.committedSeq }

    /// The time of the newest durable event (µs since 1970), from frame headers; `nil` if empty.
    public var lastEventTimeMicroseconds: Int64? { writer.commits.latestTimeMicroseconds }

    /// Appends one event; returns its seq once it is durable.
    @discardableResult
    public func append(_ event: JournalEvent) async throws -> UInt64 {
        try await writer.append([event])
    }

    /// Appends events as consecutive seqs; returns their seqs once all are durable.
    ///
    /// After a crash before the acknowledgment, a prefix of the events may be present.
    @discardableResult
    public func append(contentsOf events: [JournalEvent]) async throws -> ClosedRange<UInt64> {
        precondition(!events.isEmpty, "append(contentsOf:) needs at least one event")
        let last = try await writer.append(events)
        return (last - UInt64(events.count) + 1)...last
    }

    /// Writes later events under `epoch` (greater than the current one), in a new segment.
    /// The epoch becomes durable with the first event written under it.
    public func beginEpoch(_ epoch: UInt64) async throws {
        _ = try await writer.beginEpoch(epoch)
    }

    /// Seals the current segment on demand: the next event starts a new segment file.
    public func rollSegment() async throws {
        _ = try await writer.rollSegment()
    }

    /// Commits what is queued, stops the writer and releases the writer lock.
    public func close() async {
        await writer.close()
        lock.release()
    }

    /// A reader over this journal's files (it sees only what is on disk when it reads).
    public func reader() throws -> JournalReader {
        try JournalReader(directory: directory, fileSystem: fileSystem)
    }

    /// Every durable event from `seq` on, then each new one as it is committed, until the
    /// journal closes or the consuming task is cancelled.
    public func follow(from seq: UInt64) -> AsyncThrowingStream<StoredEvent, any Error> {
        let watch = writer.commits
        let directory = directory
        let fileSystem = fileSystem
        return AsyncThrowingStream(bufferingPolicy: .bufferingOldest(4096)) { continuation in
            let task = Task {
                do {
                    let cursor = try JournalReader(directory: directory, fileSystem: fileSystem).cursor(from: seq)
                    var delivered = seq - 1
                    while !Task.isCancelled {
                        let limit = watch.committedSeq
                        while let event = try cursor.nextEvent(through: limit) {
                            delivered = event.seq
                            while case .dropped = continuation.yield(event) {
                                try await Task.sleep(for: .milliseconds(5))
                            }
                        }
                        let committed = await watch.wait(after: max(delivered, limit))
                        if committed <= max(delivered, limit) && !Task.isCancelled {
                            // The watch closed: deliver anything left, then finish.
                            while let event = try cursor.nextEvent(through: watch.committedSeq) {
                                continuation.yield(event)
                            }
                            break
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
