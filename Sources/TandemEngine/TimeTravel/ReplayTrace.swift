import ConnectorKit
import Foundation
import TandemJournal

/// Steps through a stretch of the journal and says what each event changed for the objects a
/// filter matches (`tandem replay --trace`).
public struct ReplayTrace: Sendable {
    /// Which objects to follow: `*` (everything), `CONNECTOR` (its whole space),
    /// `CONNECTOR/ANCHOR` (one object), `mv:ID` (one metaverse object); several separated by commas.
    public struct Filter: Sendable, Hashable {
        var everything = false
        var connectors: Set<String> = []
        var links: Set<ConnectorSpaceLink> = []
        var metaverse: Set<MetaverseID> = []

        /// - Throws: ``EngineError`` `.invalidArgument` naming the term that is not understood.
        public init(_ text: String) throws {
            for term in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                if term == "*" {
                    everything = true
                } else if term.hasPrefix("mv:") {
                    guard let id = UInt64(term.dropFirst(3)) else {
                        throw EngineError(.invalidArgument, "trace filter '\(term)': mv: takes a number, like mv:42")
                    }
                    metaverse.insert(MetaverseID(id))
                } else if let slash = term.firstIndex(of: "/") {
                    links.insert(
                        ConnectorSpaceLink(
                            connector: String(term[..<slash]), anchor: Anchor(String(term[term.index(after: slash)...]))
                        ))
                } else if !term.isEmpty {
                    connectors.insert(term)
                } else {
                    throw EngineError(
                        .invalidArgument, "trace filter is empty; give *, CONNECTOR, CONNECTOR/ANCHOR or mv:ID")
                }
            }
        }

        func matches(_ link: ConnectorSpaceLink) -> Bool {
            everything || connectors.contains(link.connector) || links.contains(link)
        }
    }

    /// One change an event made to a followed object.
    public struct Line: Sendable, Hashable {
        public var seq: UInt64
        public var epoch: UInt64
        public var timeMicroseconds: Int64
        public var kind: String
        public var text: String
    }

    public var lines: [Line] = []
    /// The state after the last traced event.
    public var state: EngineState

    /// Traces seqs `from`…`to` (the journal's end if `nil`).
    public static func run(
        directory: String, checkpoints: EngineCheckpoints?, from: UInt64, to: UInt64?, filter: Filter
    ) throws -> ReplayTrace {
        guard from >= 1 else { throw EngineError(.invalidArgument, "--from-seq starts at 1") }
        let reader = try JournalReader(directory: directory)
        let end = min(to ?? reader.lastSeq, reader.lastSeq)
        guard from <= end else {
            throw EngineError(.invalidArgument, "--from-seq \(from) is after --to-seq \(end)")
        }
        let replayer = Replayer(reader: reader, checkpoints: checkpoints)
        var trace = ReplayTrace(state: try replayer.state(through: from - 1).state)
        let cursor = try reader.cursor(from: from)
        while let stored = try cursor.nextEvent(through: end) {
            guard let event = try EngineEventCodec.decode(stored) else { continue }
            // Objects joined to a followed metaverse object are followed too (and the reverse).
            var followed = filter
            for link in filter.links {
                if let id = trace.state.space(link.connector).objects[link.anchor]?.metaverseID {
                    followed.metaverse.insert(id)
                }
            }
            for id in filter.metaverse { followed.links.formUnion(trace.state.metaverse[id]?.links ?? []) }
            for text in describe(event, followed) {
                trace.lines.append(
                    Line(
                        seq: stored.seq, epoch: stored.epoch, timeMicroseconds: stored.event.timeMicroseconds,
                        kind: event.kind.name, text: text))
            }
            try EngineReplay.apply(stored, to: &trace.state) { try replayer.state(through: $0).state }
        }
        return trace
    }

    static func describe(_ event: EngineEvent, _ filter: Filter) -> [String] {
        switch event {
        case .objectsImported(let e):
            return e.changes.compactMap { change in
                let link = ConnectorSpaceLink(connector: e.connector, anchor: change.anchor)
                guard filter.matches(link) else { return nil }
                switch change {
                case .upsert(let object):
                    return "run #\(e.runID) import \(link): upsert "
                        + object.attributes.keys.sorted().map {
                            "\($0)=\(object.attributes[$0]!.map(\.text).joined(separator: "|"))"
                        }
                        .joined(separator: " ")
                case .update(_, let changes):
                    return "run #\(e.runID) import \(link): update "
                        + changes.map { "\($0)" }.joined(separator: "; ")
                case .rename(_, let dn): return "run #\(e.runID) import \(link): rename to \(dn)"
                case .delete: return "run #\(e.runID) import \(link): delete"
                case .confirm: return "run #\(e.runID) import \(link): confirm (imported as held)"
                }
            }
        case .syncDecisions(let e):
            return e.decisions.compactMap { decision in
                if let text = describeMetaverse(decision, filter) { return "run #\(e.runID) sync: \(text)" }
                if let link = link(of: decision), filter.matches(link) {
                    return "run #\(e.runID) sync: \(decision)"
                }
                return nil
            }
        case .exportResults(let e):
            return e.results.compactMap { result in
                let link = ConnectorSpaceLink(connector: e.connector, anchor: result.anchor)
                guard filter.matches(link) else { return nil }
                switch result.outcome {
                case .applied(let anchor):
                    return "run #\(e.runID) export \(link): applied" + (anchor == result.anchor ? "" : " as \(anchor)")
                case .failed(let code, let message): return "run #\(e.runID) export \(link): failed \(code): \(message)"
                }
            }
        case .restored(let e): return ["restored to the state at seq \(e.toSeq) (\(e.target))"]
        case .epochStarted(let epoch): return ["epoch \(epoch) started"]
        default: return []
        }
    }

    static func describeMetaverse(_ decision: SyncDecision, _ filter: Filter) -> String? {
        for id in filter.metaverse {
            if let (_, text, _) = Explainer.describe(decision, id) { return "\(id) \(text)" }
        }
        if filter.everything, let id = metaverseID(of: decision), let (_, text, _) = Explainer.describe(decision, id) {
            return "\(id) \(text)"
        }
        return nil
    }

    static func metaverseID(of decision: SyncDecision) -> MetaverseID? {
        switch decision {
        case .project(let id, _, _), .join(_, let id), .disconnect(_, let id), .setAttribute(let id, _, _, _),
            .setAuthoritativeNull(let id, _, _), .removeAttribute(let id, _), .deleteMetaverseObject(let id),
            .provision(_, _, _, let id):
            id
        case .stageExport(_, let export): export.metaverseID
        default: nil
        }
    }

    static func link(of decision: SyncDecision) -> ConnectorSpaceLink? {
        switch decision {
        case .project(_, _, let link), .join(let link, _), .disconnect(let link, _), .provision(let link, _, _, _),
            .clearExport(let link), .recordError(let link, _), .clearError(let link), .holdDelete(let link):
            link
        case .stageExport(let connector, let export): ConnectorSpaceLink(connector: connector, anchor: export.anchor)
        default: nil
        }
    }
}
