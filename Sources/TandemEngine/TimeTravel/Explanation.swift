import ConnectorKit
import Foundation
import TandemJournal

/// Why a metaverse object has its values: for each attribute the rule, source object and event
/// that set it, and the object's history — as of a seq, following restores (the stretch a
/// restore abandoned is not history).
public struct Explanation: Sendable, Equatable {
    public var metaverseID: MetaverseID
    public var objectType: ObjectType
    /// The explanation is of the state through this seq.
    public var asOfSeq: UInt64
    public var attributes: [AttributeOrigin]
    public var links: [ConnectorSpaceLink]
    /// Every change to the object, oldest first.
    public var history: [HistoryEntry]

    /// One attribute's current values and where they came from.
    public struct AttributeOrigin: Sendable, Equatable {
        public var attribute: String
        public var values: [AttributeValue]
        public var isAuthoritativeNull: Bool
        public var contributor: Contributor
        /// The event that set the values (seq, time µs, run).
        public var seq: UInt64?
        public var timeMicroseconds: Int64?
        public var runID: UInt64?
        /// The source object's attributes, as of `asOfSeq`, that the rule's flow reads (when the
        /// rule is in the given configuration), else all of its attributes.
        public var sourceValues: Attributes
        /// The flow expression of the rule for this attribute, when the rule is in the configuration.
        public var flow: String?
    }

    /// One recorded change to the object.
    public struct HistoryEntry: Sendable, Hashable {
        public var seq: UInt64
        public var timeMicroseconds: Int64
        public var runID: UInt64?
        /// The attribute changed, if the change is to one attribute.
        public var attribute: String?
        /// What happened, in words (values included: this is the operator's own data on their own terminal).
        public var change: String
        public var contributor: Contributor?
    }
}

/// Builds ``Explanation``s from the journal.
public enum Explainer {
    /// What `explain` is about.
    public enum Subject: Sendable, Hashable {
        case metaverse(MetaverseID)
        case connectorObject(connector: String, anchor: Anchor)
    }

    /// Explains `subject` as of `seq` (the newest if `nil`), optionally one attribute only.
    ///
    /// With checkpoints, the object index beside them (``ObjectHistoryIndex``) answers from the
    /// few frames that touched the object; without a usable index, the state is replayed and the
    /// whole journal read.
    ///
    /// - Throws: ``EngineError`` `.notFound` if the object does not exist at that point or a
    ///   connector-space object is not joined to the metaverse.
    public static func explain(
        directory: String, checkpoints: EngineCheckpoints?, subject: Subject, attribute: String? = nil,
        asOf seq: UInt64? = nil, configuration: Configuration? = nil
    ) throws -> Explanation {
        if let checkpoints {
            do {
                let reader = try JournalReader(directory: directory)
                if let explanation = try explainFromIndex(
                    reader: reader, indexPath: checkpoints.store.directory + "/" + ObjectHistoryIndex.fileName,
                    subject: subject, attribute: attribute, asOf: seq, configuration: configuration)
                {
                    return explanation
                }
            } catch let error as EngineError where error.code == .notFound {
                throw error
            } catch {
                checkpoints.logger.warning(
                    "the object index cannot answer; replaying the journal instead", metadata: ["problem": "\(error)"])
            }
        }
        let state = try EngineReplay.replay(directory: directory, checkpoints: checkpoints, through: seq).state
        let id: MetaverseID
        switch subject {
        case .metaverse(let mv): id = mv
        case .connectorObject(let connector, let anchor):
            guard let object = state.space(connector).objects[anchor] else {
                throw EngineError(
                    .notFound, "connector \(connector) holds no object with anchor \(anchor) at seq \(state.lastSeq)")
            }
            guard let mv = object.metaverseID else {
                throw EngineError(
                    .notFound, "\(connector)/\(anchor) is not joined to a metaverse object at seq \(state.lastSeq)")
            }
            id = mv
        }
        guard let object = state.metaverse[id] else {
            throw EngineError(.notFound, "there is no metaverse object \(id) at seq \(state.lastSeq)")
        }
        let history = try self.history(of: id, directory: directory, through: state.lastSeq).filter {
            attribute == nil || $0.attribute == nil || $0.attribute == attribute
        }
        return explanation(
            of: object, asOf: state.lastSeq, history: history, attribute: attribute, configuration: configuration,
            sourceAttributes: { state.space($0.connector).objects[$0.anchor]?.attributes.dictionary ?? [:] })
    }

    /// The explanation of `object` given its history and its sources' attributes.
    static func explanation(
        of object: MetaverseObject, asOf lastSeq: UInt64, history: [Explanation.HistoryEntry], attribute: String?,
        configuration: Configuration?, sourceAttributes: (ConnectorSpaceLink) -> Attributes
    ) -> Explanation {
        var origins: [Explanation.AttributeOrigin] = []
        for name in object.attributes.keys.sorted() where attribute == nil || attribute == name {
            let value = object.attributes[name]!
            let setter = history.last { $0.attribute == name && $0.contributor != nil }
            let source = sourceAttributes(
                ConnectorSpaceLink(connector: value.contributor.connector, anchor: value.contributor.anchor))
            let flow = configuration?.inboundRules.first { $0.name == value.contributor.rule }?.flows.first {
                $0.target == name
            }?.expression
            var read = source
            if let flow {
                let names = Set(referencedAttributes(flow))
                read = source.filter { names.contains($0.key) }
            }
            origins.append(
                Explanation.AttributeOrigin(
                    attribute: name, values: value.values, isAuthoritativeNull: value.isAuthoritativeNull,
                    contributor: value.contributor, seq: setter?.seq, timeMicroseconds: setter?.timeMicroseconds,
                    runID: setter?.runID, sourceValues: read, flow: flow))
        }
        return Explanation(
            metaverseID: object.id, objectType: object.objectType, asOfSeq: lastSeq, attributes: origins,
            links: Array(object.links), history: history)
    }

    /// The `[name]` attribute references of a flow expression.
    static func referencedAttributes(_ expression: String) -> [String] {
        var names: [String] = []
        var current: String?
        var inString = false
        for character in expression {
            if character == "\"" && current == nil { inString.toggle() }
            if inString { continue }
            if character == "[" {
                current = ""
            } else if character == "]", let name = current {
                names.append(name)
                current = nil
            } else if current != nil {
                current!.append(character)
            }
        }
        return names
    }

    /// Every recorded change to metaverse object `id` through `lastSeq`, oldest first, without the
    /// stretches that restores abandoned.
    public static func history(of id: MetaverseID, directory: String, through lastSeq: UInt64) throws
        -> [Explanation.HistoryEntry]
    {
        let reader = try JournalReader(directory: directory)
        guard lastSeq >= 1, let first = reader.firstSeq else { return [] }
        // Every decision about `id` holds its ID's varint bytes contiguously: a payload without them
        // cannot mention the object and is not decoded (most are not, for all but the smallest IDs).
        var needle = BinaryWriter(capacity: 10)
        needle.varint(id.rawValue)
        let cursor = try reader.cursor(from: first)
        var events: [ObjectFold.Event] = []
        while let stored = try cursor.nextEvent(through: lastSeq) {
            guard let kind = EngineEvent.Kind(rawValue: stored.event.type),
                kind == .restored || kind == .syncDecisions && contains(stored.event.payload, needle.bytes),
                let event = try EngineEventCodec.decode(stored)
            else { continue }
            events.append(
                ObjectFold.Event(seq: stored.seq, timeMicroseconds: stored.event.timeMicroseconds, event: event))
        }
        return historyEntries(of: id, events: events)
    }

    /// The history of `id` told by `events` (ascending seqs; events about other objects add nothing).
    static func historyEntries(of id: MetaverseID, events: some Sequence<ObjectFold.Event>) -> [Explanation
        .HistoryEntry]
    {
        var entries: [Explanation.HistoryEntry] = []
        for stored in events {
            let time = stored.timeMicroseconds
            switch stored.event {
            case .restored(let restore):
                entries.removeAll { $0.seq > restore.toSeq }
                entries.append(
                    .init(
                        seq: stored.seq, timeMicroseconds: time, runID: nil, attribute: nil,
                        change: "restored to the state at seq \(restore.toSeq) (\(restore.target))"))
            case .syncDecisions(let batch):
                for decision in batch.decisions {
                    guard let (attribute, change, contributor) = describe(decision, id) else { continue }
                    entries.append(
                        .init(
                            seq: stored.seq, timeMicroseconds: time, runID: batch.runID, attribute: attribute,
                            change: change, contributor: contributor))
                }
            default: break
            }
        }
        return entries
    }

    /// Whether `pattern` occurs in `bytes` (memchr for its first byte, then a comparison).
    static func contains(_ bytes: [UInt8], _ pattern: [UInt8]) -> Bool {
        guard let head = pattern.first, bytes.count >= pattern.count else { return false }
        return bytes.withUnsafeBufferPointer { buffer in
            pattern.withUnsafeBufferPointer { needle in
                guard let base = buffer.baseAddress else { return false }
                var offset = 0
                let last = buffer.count - needle.count
                while offset <= last {
                    guard let found = memchr(base + offset, Int32(head), last - offset + 1) else { return false }
                    let index = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                    if memcmp(base + index, needle.baseAddress!, needle.count) == 0 { return true }
                    offset = index + 1
                }
                return false
            }
        }
    }

    /// A decision about `id`, in words; `nil` if it is about something else.
    static func describe(_ decision: SyncDecision, _ id: MetaverseID) -> (String?, String, Contributor?)? {
        switch decision {
        case .project(let mv, let type, let link) where mv == id:
            return (nil, "projected as \(type) from \(link)", nil)
        case .join(let link, let mv) where mv == id:
            return (nil, "joined \(link)", nil)
        case .disconnect(let link, let mv) where mv == id:
            return (nil, "disconnected \(link)", nil)
        case .setAttribute(let mv, let attribute, let values, let contributor) where mv == id:
            return (
                attribute,
                "\(attribute) = \(values.values.map(\.text).joined(separator: " | ")) by '\(contributor.rule)' "
                    + "(precedence \(contributor.precedence)) from \(contributor.connector)/\(contributor.anchor)",
                contributor
            )
        case .setAuthoritativeNull(let mv, let attribute, let contributor) where mv == id:
            return (
                attribute,
                "\(attribute) = AuthoritativeNull by '\(contributor.rule)' (precedence \(contributor.precedence)) "
                    + "from \(contributor.connector)/\(contributor.anchor)",
                contributor
            )
        case .removeAttribute(let mv, let attribute) where mv == id:
            return (attribute, "\(attribute) removed (no rule contributes a value)", nil)
        case .deleteMetaverseObject(let mv) where mv == id:
            return (nil, "deleted", nil)
        case .provision(let link, let type, _, let mv) where mv == id:
            return (nil, "provisioned \(type) \(link)", nil)
        case .stageExport(let connector, let export) where export.metaverseID == id:
            return (nil, "export staged to \(connector)/\(export.anchor): \(operationName(export.operation))", nil)
        default:
            return nil
        }
    }

    static func operationName(_ operation: PendingExport.Operation) -> String {
        switch operation {
        case .add: "add"
        case .update(let attributes): "update " + attributes.keys.sorted().joined(separator: ", ")
        case .rename(let dn): "rename to \(dn)"
        case .delete: "delete"
        }
    }
}
