import ConnectorKit
import TandemJournal

extension Explainer {
    /// Explains `subject` from the object index: folds only the events that touched the object and
    /// the objects its values come from, reading only their frames. The index's tail beside it
    /// (``ObjectHistoryIndex/tailFileName``) is used when it continues the index. `nil` when the index cannot
    /// answer (no index, one that does not match the journal, or a journal that no longer starts
    /// at seq 1): the caller replays instead.
    static func explainFromIndex(
        reader: JournalReader, indexPath: String, subject: Subject, attribute: String?, asOf seq: UInt64?,
        configuration: Configuration?
    ) throws -> Explanation? {
        guard reader.firstSeq == 1, let index = try? ObjectIndexFile.open(path: indexPath),
            ObjectHistoryIndex.matches(index, reader)
        else { return nil }
        let lastSeq = min(seq ?? reader.lastSeq, reader.lastSeq)
        let directory = indexPath.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(
            separator: "/")
        let tail = ObjectHistoryIndex.tail(at: directory.isEmpty ? "." : directory, continuing: index, reader)
        let source = IndexedEvents(reader: reader, indexes: [index] + (tail.map { [$0] } ?? []), lastSeq: lastSeq)
        var references: Set<ObjectReference> = []
        var expanding: Set<MetaverseID> = []
        /// Adds `new` and what the events link to them, until nothing more is needed.
        func close(over new: Set<ObjectReference>) throws {
            var new = new.subtracting(references)
            while !new.isEmpty {
                references.formUnion(new)
                try source.load(new)
                new = ObjectFold.related(to: references, expanding: expanding, in: source.events)
            }
        }
        let id: MetaverseID
        switch subject {
        case .metaverse(let mv):
            id = mv
        case .connectorObject(let connector, let anchor):
            let link = ConnectorSpaceLink(connector: connector, anchor: anchor)
            try close(over: [.connectorObject(link)])
            let fold = ObjectFold.fold(source.events, through: lastSeq, references: references)
            guard let object = fold.objects[link] else {
                throw EngineError(
                    .notFound, "connector \(connector) holds no object with anchor \(anchor) at seq \(lastSeq)")
            }
            guard let mv = object.metaverseID else {
                throw EngineError(
                    .notFound, "\(connector)/\(anchor) is not joined to a metaverse object at seq \(lastSeq)")
            }
            id = mv
        }
        expanding = [id]
        // Links and sources found through the object itself, now that it expands.
        let start: Set<ObjectReference> = [.metaverse(id)]
        try close(over: start.union(ObjectFold.related(to: references, expanding: expanding, in: source.events)))
        let fold = ObjectFold.fold(source.events, through: lastSeq, references: references)
        guard let object = fold.metaverse[id] else {
            throw EngineError(.notFound, "there is no metaverse object \(id) at seq \(lastSeq)")
        }
        // Every decision about the object and every restore is loaded; the others describe nothing.
        let history = historyEntries(of: id, events: source.events).filter {
            attribute == nil || $0.attribute == nil || $0.attribute == attribute
        }
        return explanation(
            of: object, asOf: lastSeq, history: history, attribute: attribute, configuration: configuration,
            sourceAttributes: { fold.objects[$0]?.attributes ?? [:] })
    }
}

/// The events that touched a growing set of objects, through `lastSeq`: listed by the index and its
/// tail up to the seq they cover, found by scanning the journal after it.
final class IndexedEvents {
    let reader: JournalReader
    /// The index and, if any, the tail that continues it: together they list seqs 1 through `coveredSeq`.
    let indexes: [ObjectIndexFile]
    let coveredSeq: UInt64
    let lastSeq: UInt64
    /// Ascending by seq, each once.
    private(set) var events: [ObjectFold.Event] = []
    private var loaded: Set<UInt64> = []

    init(reader: JournalReader, indexes: [ObjectIndexFile], lastSeq: UInt64) {
        precondition(
            zip(indexes, indexes.dropFirst()).allSatisfy { $0.coveredSeq == $1.baseSeq },
            "each index continues the one before it")
        self.reader = reader
        self.indexes = indexes
        self.coveredSeq = indexes.last?.coveredSeq ?? 0
        self.lastSeq = lastSeq
    }

    /// Reads the events that touched `references` (and the restores), decoding each frame once.
    func load(_ references: Set<ObjectReference>) throws {
        var wanted: Set<UInt64> = []
        let indexed = min(coveredSeq, lastSeq)
        for index in indexes where index.baseSeq < indexed {
            for seq in index.sharedSeqs where seq <= indexed { wanted.insert(seq) }
            for reference in references {
                for seq in try index.seqs(for: reference.key) where seq <= indexed { wanted.insert(seq) }
            }
        }
        var found: [ObjectFold.Event] = []
        var cursor: JournalCursor?
        var next: UInt64 = 0
        for seq in wanted.subtracting(loaded).sorted() {
            // Nearby seqs often share a frame: read on rather than seek and inflate it again.
            if cursor == nil || seq < next || seq - next > 4 {
                cursor = try reader.cursor(from: seq)
                next = seq
            }
            while let stored = try cursor!.nextEvent(through: seq) {
                next = stored.seq + 1
                guard stored.seq == seq, let event = try EngineEventCodec.decode(stored) else { continue }
                found.append(ObjectFold.Event(seq: seq, timeMicroseconds: stored.event.timeMicroseconds, event: event))
            }
        }
        if lastSeq > coveredSeq { found += try scanTail(for: references) }
        loaded.formUnion(found.map(\.seq))
        events = (events + found).sorted { $0.seq < $1.seq }
    }

    /// The events after the indexes' coverage that touch `references`; a payload without any of
    /// their needles cannot mention them and is not decoded.
    private func scanTail(for references: Set<ObjectReference>) throws -> [ObjectFold.Event] {
        let needles = references.map(\.needle)
        var found: [ObjectFold.Event] = []
        let cursor = try reader.cursor(from: coveredSeq + 1)
        while let stored = try cursor.nextEvent(through: lastSeq) {
            let kind = EngineEvent.Kind(rawValue: stored.event.type)
            guard kind == .restored || needles.contains(where: { Explainer.contains(stored.event.payload, $0) }),
                let event = try EngineEventCodec.decode(stored)
            else { continue }
            let touched =
                kind == .restored || ObjectHistoryIndex.references(of: event).contains(where: references.contains)
            if touched && !loaded.contains(stored.seq) {
                found.append(
                    ObjectFold.Event(seq: stored.seq, timeMicroseconds: stored.event.timeMicroseconds, event: event))
            }
        }
        return found
    }
}
