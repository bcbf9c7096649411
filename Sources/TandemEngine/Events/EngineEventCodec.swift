import ConnectorKit
import TandemJournal

/// Encodes engine events as journal events and back (Journal/FORMAT.md, "Engine events").
///
/// Every payload starts with the codec version byte (1); fields follow in a fixed order.
public enum EngineEventCodec {
    static let version: UInt8 = 1

    public static func encode(_ event: EngineEvent, timeMicroseconds: Int64) -> JournalEvent {
        var w = BinaryWriter(capacity: 256)
        w.byte(version)
        switch event {
        case .configurationApplied(let e):
            w.string(e.versionHash)
            w.string(e.summary)
        case .runStarted(let e):
            w.varint(e.runID)
            w.optionalString(e.connector)
            w.string(e.profile.rawValue)
        case .runFinished(let e):
            w.varint(e.runID)
            w.string(e.status.rawValue)
            let s = e.statistics
            for n in [
                s.adds, s.updates, s.deletes, s.renames, s.unchanged, s.errors, s.projections, s.joins,
                s.disconnections, s.exportsStaged,
            ] { w.count(n) }
            w.string(e.message)
        case .objectsImported(let e):
            w.varint(e.runID)
            w.string(e.connector)
            w.count(e.changes.count)
            for change in e.changes { encode(change, into: &w) }
            w.optionalString(e.watermark?.value)
        case .syncDecisions(let e):
            w.varint(e.runID)
            w.count(e.decisions.count)
            for decision in e.decisions { encode(decision, into: &w) }
        case .exportResults(let e):
            w.varint(e.runID)
            w.string(e.connector)
            w.count(e.results.count)
            for (anchor, outcome) in e.results {
                w.string(anchor.rawValue)
                switch outcome {
                case .applied(let newAnchor):
                    w.byte(0)
                    w.string(newAnchor.rawValue)
                case .failed(let code, let message):
                    w.byte(1)
                    w.string(code)
                    w.string(message)
                }
            }
        case .deletesApproved(let e):
            w.string(e.connector)
            w.count(e.anchors.count)
            for anchor in e.anchors { w.string(anchor.rawValue) }
        case .epochStarted(let epoch):
            w.varint(epoch)
        case .restorePoint(let name):
            w.string(name)
        case .checkpointTaken(let e):
            w.varint(e.seq)
            w.string(e.stateDigest)
        case .restored(let e):
            w.varint(e.toSeq)
            w.string(e.stateDigest)
            w.string(e.target)
        case .exportsAttempted(let e):
            w.varint(e.runID)
            w.string(e.connector)
            w.varint(e.epoch)
            w.count(e.anchors.count)
            for anchor in e.anchors { w.string(anchor.rawValue) }
        case .exportsReconciled(let e):
            w.string(e.connector)
            w.count(e.anchors.count)
            for anchor in e.anchors { w.string(anchor.rawValue) }
        }
        return JournalEvent(type: event.kind.rawValue, timeMicroseconds: timeMicroseconds, payload: w.bytes)
    }

    /// Decodes a journal event; `nil` for a type code that is not an engine event.
    public static func decode(_ stored: StoredEvent) throws(EngineError) -> EngineEvent? {
        guard let kind = EngineEvent.Kind(rawValue: stored.event.type) else { return nil }
        var r = BinaryReader(stored.event.payload)
        do {
            let codecVersion = try r.byte()
            guard codecVersion == version else {
                throw EngineError(
                    .malformedEvent,
                    "\(kind.name) event uses codec version \(codecVersion); this build reads version \(version)",
                    seq: stored.seq)
            }
            let event = try decodeBody(kind, &r)
            guard r.isAtEnd else {
                throw EngineError(
                    .malformedEvent, "\(kind.name) event has trailing bytes at offset \(r.offset)", seq: stored.seq)
            }
            return event
        } catch let error as BinaryReader.Malformed {
            throw EngineError(
                .malformedEvent, "\(kind.name) event does not decode: \(error.reason) at byte \(error.offset)",
                seq: stored.seq)
        } catch let error as EngineError {
            throw error
        } catch {
            throw EngineError(.malformedEvent, "\(kind.name) event does not decode", seq: stored.seq)
        }
    }

    private static func decodeBody(_ kind: EngineEvent.Kind, _ r: inout BinaryReader) throws -> EngineEvent {
        switch kind {
        case .configurationApplied:
            return .configurationApplied(ConfigurationApplied(versionHash: try r.string(), summary: try r.string()))
        case .runStarted:
            let runID = try r.varint()
            let connector = try r.optionalString()
            let profileName = try r.string()
            guard let profile = RunProfile(rawValue: profileName) else {
                throw BinaryReader.Malformed(reason: "unknown run profile '\(profileName)'", offset: r.offset)
            }
            return .runStarted(RunStarted(runID: runID, connector: connector, profile: profile))
        case .runFinished:
            let runID = try r.varint()
            let statusName = try r.string()
            guard let status = RunStatus(rawValue: statusName) else {
                throw BinaryReader.Malformed(reason: "unknown run status '\(statusName)'", offset: r.offset)
            }
            var s = RunStatistics()
            s.adds = try r.number()
            s.updates = try r.number()
            s.deletes = try r.number()
            s.renames = try r.number()
            s.unchanged = try r.number()
            s.errors = try r.number()
            s.projections = try r.number()
            s.joins = try r.number()
            s.disconnections = try r.number()
            s.exportsStaged = try r.number()
            return .runFinished(RunFinished(runID: runID, status: status, statistics: s, message: try r.string()))
        case .objectsImported:
            let runID = try r.varint()
            let connector = try r.string()
            let n = try r.count()
            var changes: [ConnectorSpaceChange] = []
            changes.reserveCapacity(n)
            for _ in 0..<n { changes.append(try decodeChange(&r)) }
            let watermark = try r.optionalString().map(Watermark.init)
            return .objectsImported(
                ObjectsImported(runID: runID, connector: connector, changes: changes, watermark: watermark))
        case .syncDecisions:
            let runID = try r.varint()
            let n = try r.count()
            var decisions: [SyncDecision] = []
            decisions.reserveCapacity(n)
            var contributor: Contributor?
            for _ in 0..<n { decisions.append(try decodeDecision(&r, contributor: &contributor)) }
            return .syncDecisions(SyncDecisions(runID: runID, decisions: decisions))
        case .exportResults:
            let runID = try r.varint()
            let connector = try r.string()
            let n = try r.count()
            var results: [(anchor: Anchor, outcome: ExportOutcome)] = []
            for _ in 0..<n {
                let anchor = Anchor(try r.string())
                switch try r.byte() {
                case 0: results.append((anchor, .applied(anchor: Anchor(try r.string()))))
                case 1: results.append((anchor, .failed(code: try r.string(), message: try r.string())))
                case let tag: throw BinaryReader.Malformed(reason: "unknown export outcome \(tag)", offset: r.offset)
                }
            }
            return .exportResults(ExportResults(runID: runID, connector: connector, results: results))
        case .deletesApproved:
            let connector = try r.string()
            let n = try r.count()
            var anchors: [Anchor] = []
            for _ in 0..<n { anchors.append(Anchor(try r.string())) }
            return .deletesApproved(DeletesApproved(connector: connector, anchors: anchors))
        case .epochStarted:
            return .epochStarted(epoch: try r.varint())
        case .restorePoint:
            return .restorePoint(name: try r.string())
        case .checkpointTaken:
            return .checkpointTaken(CheckpointTaken(seq: try r.varint(), stateDigest: try r.string()))
        case .restored:
            return .restored(Restored(toSeq: try r.varint(), stateDigest: try r.string(), target: try r.string()))
        case .exportsAttempted:
            let runID = try r.varint()
            let connector = try r.string()
            let epoch = try r.varint()
            let n = try r.count()
            var anchors: [Anchor] = []
            anchors.reserveCapacity(n)
            for _ in 0..<n { anchors.append(Anchor(try r.string())) }
            return .exportsAttempted(
                ExportsAttempted(runID: runID, connector: connector, epoch: epoch, anchors: anchors))
        case .exportsReconciled:
            let connector = try r.string()
            let n = try r.count()
            var anchors: [Anchor] = []
            anchors.reserveCapacity(n)
            for _ in 0..<n { anchors.append(Anchor(try r.string())) }
            return .exportsReconciled(ExportsReconciled(connector: connector, anchors: anchors))
        }
    }

    // MARK: Connector-space changes

    private static func encode(_ change: ConnectorSpaceChange, into w: inout BinaryWriter) {
        switch change {
        case .upsert(let object):
            w.byte(0)
            encode(object, into: &w)
        case .update(let anchor, let changes):
            w.byte(1)
            w.string(anchor.rawValue)
            w.count(changes.count)
            for change in changes {
                switch change {
                case .add(let name, let values):
                    w.byte(0)
                    w.string(name)
                    w.values(values)
                case .remove(let name, let values):
                    w.byte(1)
                    w.string(name)
                    w.values(values)
                case .replace(let name, let values):
                    w.byte(2)
                    w.string(name)
                    w.values(values)
                }
            }
        case .rename(let anchor, let dn):
            w.byte(2)
            w.string(anchor.rawValue)
            w.string(dn)
        case .delete(let anchor):
            w.byte(3)
            w.string(anchor.rawValue)
        case .confirm(let anchor):
            w.byte(4)
            w.string(anchor.rawValue)
        }
    }

    private static func decodeChange(_ r: inout BinaryReader) throws -> ConnectorSpaceChange {
        switch try r.byte() {
        case 0: return .upsert(try decodeObject(&r))
        case 1:
            let anchor = Anchor(try r.string())
            let n = try r.count()
            var changes: [AttributeChange] = []
            for _ in 0..<n {
                let tag = try r.byte()
                let name = try r.string()
                let values = try r.values()
                switch tag {
                case 0: changes.append(.add(name, values))
                case 1: changes.append(.remove(name, values))
                case 2: changes.append(.replace(name, values))
                default: throw BinaryReader.Malformed(reason: "unknown attribute change \(tag)", offset: r.offset)
                }
            }
            return .update(anchor: anchor, changes: changes)
        case 2: return .rename(anchor: Anchor(try r.string()), distinguishedName: try r.string())
        case 3: return .delete(anchor: Anchor(try r.string()))
        case 4: return .confirm(anchor: Anchor(try r.string()))
        case let tag: throw BinaryReader.Malformed(reason: "unknown connector-space change \(tag)", offset: r.offset)
        }
    }

    private static func encode(_ object: ImportedObject, into w: inout BinaryWriter) {
        w.string(object.anchor.rawValue)
        w.string(object.objectType.rawValue)
        w.optionalString(object.distinguishedName)
        w.attributes(object.attributes)
    }

    private static func decodeObject(_ r: inout BinaryReader) throws -> ImportedObject {
        ImportedObject(
            anchor: Anchor(try r.string()), objectType: ObjectType(try r.string()),
            distinguishedName: try r.optionalString(), attributes: try r.packedAttributes())
    }

    // MARK: Sync decisions

    private static func encode(_ link: ConnectorSpaceLink, into w: inout BinaryWriter) {
        w.string(link.connector)
        w.string(link.anchor.rawValue)
    }

    private static func decodeLink(_ r: inout BinaryReader) throws -> ConnectorSpaceLink {
        ConnectorSpaceLink(connector: try r.string(), anchor: Anchor(try r.string()))
    }

    private static func encode(_ contributor: Contributor, into w: inout BinaryWriter) {
        w.string(contributor.rule)
        w.string(contributor.connector)
        w.string(contributor.anchor.rawValue)
        w.int(Int64(contributor.precedence))
    }

    /// Reuses `previous` when the decoded contributor equals it, so that the attributes one rule set
    /// from one object share one record in the replayed state, as they do in the live one.
    private static func decodeContributor(_ r: inout BinaryReader, previous: inout Contributor?) throws -> Contributor {
        let (rule, connector, anchor) = (try r.string(), try r.string(), Anchor(try r.string()))
        let precedence = Int(try r.int())
        if let previous, previous.precedence == precedence, previous.anchor == anchor, previous.rule == rule,
            previous.connector == connector
        {
            return previous
        }
        let decoded = Contributor(rule: rule, connector: connector, anchor: anchor, precedence: precedence)
        previous = decoded
        return decoded
    }

    private static func encode(_ decision: SyncDecision, into w: inout BinaryWriter) {
        switch decision {
        case .project(let id, let type, let link):
            w.byte(0)
            w.varint(id.rawValue)
            w.string(type.rawValue)
            encode(link, into: &w)
        case .join(let link, let id):
            w.byte(1)
            encode(link, into: &w)
            w.varint(id.rawValue)
        case .disconnect(let link, let id):
            w.byte(2)
            encode(link, into: &w)
            w.varint(id.rawValue)
        case .setAttribute(let id, let attribute, let values, let contributor):
            w.byte(3)
            w.varint(id.rawValue)
            w.string(attribute)
            w.values(values)
            encode(contributor, into: &w)
        case .setAuthoritativeNull(let id, let attribute, let contributor):
            w.byte(4)
            w.varint(id.rawValue)
            w.string(attribute)
            encode(contributor, into: &w)
        case .removeAttribute(let id, let attribute):
            w.byte(5)
            w.varint(id.rawValue)
            w.string(attribute)
        case .deleteMetaverseObject(let id):
            w.byte(6)
            w.varint(id.rawValue)
        case .provision(let link, let type, let dn, let id):
            w.byte(7)
            encode(link, into: &w)
            w.string(type.rawValue)
            w.optionalString(dn)
            w.varint(id.rawValue)
        case .stageExport(let connector, let export):
            w.byte(8)
            w.string(connector)
            w.string(export.anchor.rawValue)
            w.string(export.objectType.rawValue)
            switch export.operation {
            case .add(let dn, let attributes):
                w.byte(0)
                w.optionalString(dn)
                w.attributes(attributes)
            case .update(let attributes):
                w.byte(1)
                w.attributes(attributes)
            case .rename(let dn):
                w.byte(2)
                w.string(dn)
            case .delete:
                w.byte(3)
            }
            if let id = export.metaverseID {
                w.byte(1)
                w.varint(id.rawValue)
            } else {
                w.byte(0)
            }
        case .clearExport(let link):
            w.byte(9)
            encode(link, into: &w)
        case .recordError(let link, let record):
            w.byte(10)
            encode(link, into: &w)
            w.optionalString(record.rule)
            w.string(record.code)
            w.string(record.message)
        case .clearError(let link):
            w.byte(11)
            encode(link, into: &w)
        case .holdDelete(let link):
            w.byte(12)
            encode(link, into: &w)
        case .markSynchronized(let connector):
            w.byte(13)
            w.string(connector)
        }
    }

    private static func decodeDecision(_ r: inout BinaryReader, contributor: inout Contributor?) throws
        -> SyncDecision
    {
        switch try r.byte() {
        case 0:
            return .project(
                MetaverseID(try r.varint()), objectType: ObjectType(try r.string()), from: try decodeLink(&r))
        case 1: return .join(try decodeLink(&r), to: MetaverseID(try r.varint()))
        case 2: return .disconnect(try decodeLink(&r), from: MetaverseID(try r.varint()))
        case 3:
            return .setAttribute(
                MetaverseID(try r.varint()), attribute: try r.string(), values: try r.encodedValues(),
                contributor: try decodeContributor(&r, previous: &contributor))
        case 4:
            return .setAuthoritativeNull(
                MetaverseID(try r.varint()), attribute: try r.string(),
                contributor: try decodeContributor(&r, previous: &contributor))
        case 5: return .removeAttribute(MetaverseID(try r.varint()), attribute: try r.string())
        case 6: return .deleteMetaverseObject(MetaverseID(try r.varint()))
        case 7:
            return .provision(
                try decodeLink(&r), objectType: ObjectType(try r.string()), distinguishedName: try r.optionalString(),
                metaverseID: MetaverseID(try r.varint()))
        case 8:
            let connector = try r.string()
            let anchor = Anchor(try r.string())
            let type = ObjectType(try r.string())
            let operation: PendingExport.Operation
            switch try r.byte() {
            case 0: operation = .add(distinguishedName: try r.optionalString(), attributes: try r.packedAttributes())
            case 1: operation = .update(try r.packedAttributes())
            case 2: operation = .rename(distinguishedName: try r.string())
            case 3: operation = .delete
            case let tag: throw BinaryReader.Malformed(reason: "unknown export operation \(tag)", offset: r.offset)
            }
            let id = try r.bool() ? MetaverseID(try r.varint()) : nil
            return .stageExport(
                connector: connector,
                PendingExport(anchor: anchor, objectType: type, operation: operation, metaverseID: id))
        case 9: return .clearExport(try decodeLink(&r))
        case 10:
            let link = try decodeLink(&r)
            return .recordError(
                link, SyncErrorRecord(rule: try r.optionalString(), code: try r.string(), message: try r.string()))
        case 11: return .clearError(try decodeLink(&r))
        case 12: return .holdDelete(try decodeLink(&r))
        case 13: return .markSynchronized(connector: try r.string())
        case let tag: throw BinaryReader.Malformed(reason: "unknown sync decision \(tag)", offset: r.offset)
        }
    }
}
