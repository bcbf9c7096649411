import ConnectorKit
import Logging
import TandemJournal

/// An object `explain` can be asked about, as the object index keys it.
enum ObjectReference: Hashable, Sendable {
    case metaverse(MetaverseID)
    case connectorObject(ConnectorSpaceLink)

    /// The index key: `m` and the ID big-endian (so IDs sort numerically), or `c`, the connector,
    /// a NUL and the anchor.
    var key: [UInt8] {
        switch self {
        case .metaverse(let id):
            var bytes: [UInt8] = [0x6D]
            withUnsafeBytes(of: id.rawValue.bigEndian) { bytes += $0 }
            return bytes
        case .connectorObject(let link):
            return [0x63] + Array(link.connector.utf8) + [0] + Array(link.anchor.rawValue.utf8)
        }
    }

    /// The reference an index key names; `nil` for bytes that are no key.
    init?(key: [UInt8]) {
        switch key.first {
        case 0x6D where key.count == 9:
            self = .metaverse(MetaverseID(key.dropFirst().reduce(0) { $0 << 8 | UInt64($1) }))
        case 0x63:
            guard let separator = key.firstIndex(of: 0),
                let connector = String(validating: key[1..<separator], as: UTF8.self),
                let anchor = String(validating: key[(separator + 1)...], as: UTF8.self)
            else { return nil }
            self = .connectorObject(ConnectorSpaceLink(connector: connector, anchor: Anchor(anchor)))
        default:
            return nil
        }
    }

    /// Bytes that every encoded event touching the object contains (the ID's varint, the anchor's
    /// UTF-8): an event without them is not decoded when scanning the journal past the index.
    var needle: [UInt8] {
        switch self {
        case .metaverse(let id):
            var writer = BinaryWriter(capacity: 10)
            writer.varint(id.rawValue)
            return writer.bytes
        case .connectorObject(let link):
            return Array(link.anchor.rawValue.utf8)
        }
    }
}

/// The object index of a deployment: for each metaverse object and connector-space object, the
/// seqs of the events that touched it, so `explain` reads a few frames instead of the journal.
///
/// It lives beside the checkpoints (`objects.idx`) and is extended at each checkpoint from the
/// references the engine recorded while it appended the events (``ObjectIndexAccumulator``); it is
/// rebuildable from the journal at any time (``update(directory:reader:through:logger:)``), and a
/// missing, damaged or stale index only makes `explain` fall back to a full replay.
public enum ObjectHistoryIndex {
    /// The index file's name in the checkpoint directory.
    public static let fileName = "objects.idx"

    /// The objects an event touches: every object whose state or history the event may change.
    /// A restore touches every object; it is recorded apart (``ObjectIndexFile/sharedSeqs``).
    static func references(of event: EngineEvent) -> [ObjectReference] {
        switch event {
        case .objectsImported(let e):
            return e.changes.map { .connectorObject(ConnectorSpaceLink(connector: e.connector, anchor: $0.anchor)) }
        case .syncDecisions(let e):
            var references: [ObjectReference] = []
            for decision in e.decisions {
                switch decision {
                case .project(let id, _, let link), .join(let link, let id), .disconnect(let link, let id),
                    .provision(let link, _, _, let id):
                    references.append(.metaverse(id))
                    references.append(.connectorObject(link))
                case .setAttribute(let id, _, _, _), .setAuthoritativeNull(let id, _, _), .removeAttribute(let id, _),
                    .deleteMetaverseObject(let id):
                    references.append(.metaverse(id))
                case .stageExport(let connector, let export):
                    references.append(.connectorObject(ConnectorSpaceLink(connector: connector, anchor: export.anchor)))
                    if let id = export.metaverseID { references.append(.metaverse(id)) }
                case .clearExport(let link):
                    references.append(.connectorObject(link))
                case .recordError, .clearError, .holdDelete, .markSynchronized:
                    break
                }
            }
            return references
        case .exportResults(let e):
            var references: [ObjectReference] = []
            for (anchor, outcome) in e.results {
                references.append(.connectorObject(ConnectorSpaceLink(connector: e.connector, anchor: anchor)))
                if case .applied(let newAnchor) = outcome, newAnchor != anchor {
                    references.append(.connectorObject(ConnectorSpaceLink(connector: e.connector, anchor: newAnchor)))
                }
            }
            return references
        default:
            return []
        }
    }

    /// Whether the index file's coverage still describes `reader`'s journal.
    static func matches(_ index: ObjectIndexFile, _ reader: JournalReader) -> Bool {
        index.journalID == reader.journalID && index.coveredSeq <= reader.lastSeq
            && epoch(at: index.coveredSeq, reader) == index.coveredEpoch
    }

    /// The epoch of the event at `seq`, from segment headers (nothing is inflated).
    static func epoch(at seq: UInt64, _ reader: JournalReader) -> UInt64? {
        var epoch: UInt64?
        for segment in reader.segmentSummaries {
            guard let header = segment.header, header.firstSeq <= seq else { break }
            epoch = header.epoch
        }
        return epoch
    }

    /// Extends the index at `directory` to `lastSeq` (the end of `reader`'s journal if `nil`),
    /// scanning only the events it does not cover yet (all of them when there is no usable index).
    /// Nothing is written when the journal no longer starts at seq 1 and there is no index to
    /// extend: the index must list every event from seq 1.
    ///
    /// - Returns: the number of events scanned.
    @discardableResult
    public static func update(
        directory: String, reader: JournalReader, through lastSeq: UInt64? = nil, logger: Logger? = nil
    ) throws -> Int {
        let end = min(lastSeq ?? reader.lastSeq, reader.lastSeq)
        guard let journalID = reader.journalID, end >= 1 else { return 0 }
        let path = directory + "/" + fileName
        var existing: ObjectIndexFile?
        do {
            let index = try ObjectIndexFile.open(path: path)
            if matches(index, reader) {
                existing = index
            } else {
                logger?.warning(
                    "the object index does not match the journal; rebuilding it", metadata: ["index": "\(path)"])
            }
        } catch let error as JournalError where error.code == .notFound {
        } catch {
            logger?.warning(
                "the object index is damaged; rebuilding it", metadata: ["index": "\(path)", "problem": "\(error)"])
        }
        guard (existing?.coveredSeq ?? 0) < end else { return 0 }
        var old: [ObjectIndexFile.Entry] = []
        if let index = existing {
            do {
                old = try index.allEntries()
            } catch {
                logger?.warning(
                    "the object index is damaged; rebuilding it", metadata: ["index": "\(path)", "problem": "\(error)"])
                existing = nil
            }
        }
        guard existing != nil || reader.firstSeq == 1 else { return 0 }
        let start = (existing?.coveredSeq ?? 0) + 1
        // Keyed by reference, not by its bytes: hashing two strings beats hashing a byte array byte by byte.
        var added: [ObjectReference: [UInt64]] = [:]
        var shared = existing?.sharedSeqs ?? []
        var scanned = 0
        var lastEpoch: UInt64 = 0
        let cursor = try reader.cursor(from: start)
        // Events are read in order and decoded in batches on every core: decoding is most of the work.
        var batch: [StoredEvent] = []
        func index(_ events: [StoredEvent]) throws {
            let touched = try concurrentMap(events.count) { position -> (restore: Bool, keys: [ObjectReference]) in
                guard let event = try EngineEventCodec.decode(events[position]) else { return (false, []) }
                if case .restored = event { return (true, []) }
                return (false, references(of: event))
            }
            for (stored, found) in zip(events, touched) {
                if found.restore { shared.append(stored.seq) }
                for key in found.keys where added[key]?.last != stored.seq {
                    added[key, default: []].append(stored.seq)
                }
            }
        }
        while let stored = try cursor.nextEvent(through: end) {
            scanned += 1
            lastEpoch = stored.epoch
            batch.append(stored)
            if batch.count == 64 {
                try index(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        try index(batch)
        guard scanned > 0 else { return 0 }
        let new = added.map { ObjectIndexFile.Entry(key: $0.key.key, seqs: $0.value) }.sorted {
            $0.key.lexicographicallyPrecedes($1.key)
        }
        let merged = merge(old, new)
        try ObjectIndexFile.write(
            path: path, journalID: journalID, coveredSeq: start + UInt64(scanned) - 1, coveredEpoch: lastEpoch,
            sharedSeqs: shared, entries: merged)
        return scanned
    }

    /// Extends the index at `directory` with the events `accumulated` recorded as the engine appended
    /// them, decoding none of them; only seqs between the index's coverage and the accumulator's
    /// first seq (a new index, an engine that started after events it did not record) are scanned.
    /// When the accumulator does not fit the index or the journal, the journal is scanned instead.
    ///
    /// - Returns: the number of events scanned (read and decoded) from the journal.
    @discardableResult
    public static func extend(
        directory: String, reader: JournalReader, with accumulated: ObjectIndexAccumulator, logger: Logger? = nil
    ) throws -> Int {
        guard !accumulated.isEmpty, let journalID = reader.journalID else {
            return try update(directory: directory, reader: reader, through: accumulated.lastSeq, logger: logger)
        }
        var scanned = try update(
            directory: directory, reader: reader, through: accumulated.firstSeq - 1, logger: logger)
        let path = directory + "/" + fileName
        let existing = (try? ObjectIndexFile.open(path: path)).flatMap { matches($0, reader) ? $0 : nil }
        let old: [ObjectIndexFile.Entry]?
        if let existing, existing.coveredSeq == accumulated.firstSeq - 1 {
            old = try? existing.allEntries()
        } else if existing == nil && accumulated.firstSeq == 1 && reader.firstSeq == 1 {
            old = []
        } else {
            old = nil
        }
        guard let old, accumulated.lastSeq <= reader.lastSeq,
            epoch(at: accumulated.lastSeq, reader) == accumulated.lastEpoch
        else {
            logger?.warning(
                "the recorded object references do not follow the object index; scanning the journal instead",
                metadata: ["index": "\(path)", "firstSeq": "\(accumulated.firstSeq)"])
            scanned += try update(directory: directory, reader: reader, through: accumulated.lastSeq, logger: logger)
            return scanned
        }
        try ObjectIndexFile.write(
            path: path, journalID: journalID, coveredSeq: accumulated.lastSeq, coveredEpoch: accumulated.lastEpoch,
            sharedSeqs: (existing?.sharedSeqs ?? []) + accumulated.sharedSeqs,
            entries: merge(old, accumulated.entries()))
        return scanned
    }

    /// `old` and `new` (each sorted by key) as one sorted list: every new seq is newer than every old one.
    static func merge(_ old: [ObjectIndexFile.Entry], _ new: [ObjectIndexFile.Entry]) -> [ObjectIndexFile.Entry] {
        var merged: [ObjectIndexFile.Entry] = []
        merged.reserveCapacity(old.count + new.count)
        var i = 0
        var j = 0
        while i < old.count || j < new.count {
            if j == new.count || i < old.count && old[i].key.lexicographicallyPrecedes(new[j].key) {
                merged.append(old[i])
                i += 1
            } else if i == old.count || new[j].key.lexicographicallyPrecedes(old[i].key) {
                merged.append(new[j])
                j += 1
            } else {
                merged.append(ObjectIndexFile.Entry(key: old[i].key, seqs: old[i].seqs + new[j].seqs))
                i += 1
                j += 1
            }
        }
        return merged
    }
}
