import ConnectorKit

extension EngineEvent {
    /// The event as a JSON-ready dictionary, for `tandem journal inspect --json`: what the
    /// binary encoding holds, with names instead of tags.
    public var jsonObject: [String: any Sendable] {
        var object: [String: any Sendable] = ["kind": kind.name]
        switch self {
        case .configurationApplied(let e):
            object["versionHash"] = e.versionHash
            object["summary"] = e.summary
        case .runStarted(let e):
            object["runID"] = e.runID
            object["connector"] = e.connector ?? "*"
            object["profile"] = e.profile.rawValue
        case .runFinished(let e):
            object["runID"] = e.runID
            object["status"] = e.status.rawValue
            let s = e.statistics
            object["statistics"] = [
                "adds": s.adds, "updates": s.updates, "deletes": s.deletes, "renames": s.renames,
                "unchanged": s.unchanged,
                "errors": s.errors, "projections": s.projections, "joins": s.joins, "disconnections": s.disconnections,
                "exportsStaged": s.exportsStaged,
            ]
            object["message"] = e.message
        case .objectsImported(let e):
            object["runID"] = e.runID
            object["connector"] = e.connector
            object["changes"] = e.changes.map(Self.json)
            if let watermark = e.watermark { object["watermark"] = watermark.value }
        case .syncDecisions(let e):
            object["runID"] = e.runID
            object["decisions"] = e.decisions.map(Self.json)
        case .exportResults(let e):
            object["runID"] = e.runID
            object["connector"] = e.connector
            object["results"] = e.results.map { result -> [String: any Sendable] in
                switch result.outcome {
                case .applied(let anchor): ["anchor": result.anchor.rawValue, "applied": anchor.rawValue]
                case .failed(let code, let message):
                    ["anchor": result.anchor.rawValue, "failed": code, "message": message]
                }
            }
        case .deletesApproved(let e):
            object["connector"] = e.connector
            object["anchors"] = e.anchors.map(\.rawValue)
        case .epochStarted(let epoch):
            object["epoch"] = epoch
        case .restorePoint(let name):
            object["name"] = name
        case .checkpointTaken(let e):
            object["seq"] = e.seq
            object["stateDigest"] = e.stateDigest
        case .restored(let e):
            object["toSeq"] = e.toSeq
            object["stateDigest"] = e.stateDigest
            object["target"] = e.target
        case .exportsAttempted(let e):
            object["runID"] = e.runID
            object["connector"] = e.connector
            object["epoch"] = e.epoch
            object["anchors"] = e.anchors.map(\.rawValue)
        case .exportsReconciled(let e):
            object["connector"] = e.connector
            object["anchors"] = e.anchors.map(\.rawValue)
        }
        return object
    }

    static func json(_ values: [AttributeValue]) -> [any Sendable] {
        values.map { value -> any Sendable in
            switch value {
            case .string(let text): text
            case .integer(let number): number
            case .boolean(let flag): flag
            case .binary(let bytes): ["binary": bytes.map { String($0, radix: 16).leftPadded(2) }.joined()]
            case .date: ["date": value.text]
            case .reference(let anchor): ["reference": anchor.rawValue]
            }
        }
    }

    static func json(_ attributes: Attributes) -> [String: any Sendable] {
        attributes.mapValues { json($0) as any Sendable }
    }

    static func json(_ change: ConnectorSpaceChange) -> [String: any Sendable] {
        switch change {
        case .upsert(let o):
            var object: [String: any Sendable] = [
                "upsert": o.anchor.rawValue, "objectType": o.objectType.rawValue,
                "attributes": json(o.attributes.dictionary),
            ]
            if let dn = o.distinguishedName { object["dn"] = dn }
            return object
        case .update(let anchor, let changes):
            return [
                "update": anchor.rawValue,
                "changes": changes.map { change -> [String: any Sendable] in
                    switch change {
                    case .add(let name, let values): ["add": name, "values": json(values)]
                    case .remove(let name, let values): ["remove": name, "values": json(values)]
                    case .replace(let name, let values): ["replace": name, "values": json(values)]
                    }
                },
            ]
        case .rename(let anchor, let dn): return ["rename": anchor.rawValue, "dn": dn]
        case .delete(let anchor): return ["delete": anchor.rawValue]
        case .confirm(let anchor): return ["confirm": anchor.rawValue]
        }
    }

    static func json(_ decision: SyncDecision) -> [String: any Sendable] {
        switch decision {
        case .project(let id, let type, let link): ["project": "\(id)", "objectType": type.rawValue, "from": "\(link)"]
        case .join(let link, let id): ["join": "\(link)", "to": "\(id)"]
        case .disconnect(let link, let id): ["disconnect": "\(link)", "from": "\(id)"]
        case .setAttribute(let id, let attribute, let values, let c):
            [
                "set": "\(id)", "attribute": attribute, "values": json(values.values), "rule": c.rule,
                "source": "\(c.connector)/\(c.anchor)", "precedence": c.precedence,
            ]
        case .setAuthoritativeNull(let id, let attribute, let c):
            [
                "authoritativeNull": "\(id)", "attribute": attribute, "rule": c.rule,
                "source": "\(c.connector)/\(c.anchor)", "precedence": c.precedence,
            ]
        case .removeAttribute(let id, let attribute): ["remove": "\(id)", "attribute": attribute]
        case .deleteMetaverseObject(let id): ["deleteMetaverseObject": "\(id)"]
        case .provision(let link, let type, let dn, let id):
            ["provision": "\(link)", "objectType": type.rawValue, "dn": dn ?? "", "for": "\(id)"]
        case .stageExport(let connector, let export):
            {
                var object: [String: any Sendable] = [
                    "stageExport": "\(connector)/\(export.anchor)", "objectType": export.objectType.rawValue,
                ]
                switch export.operation {
                case .add(let dn, let attributes):
                    object["operation"] = "add"
                    object["attributes"] = json(attributes.dictionary)
                    if let dn { object["dn"] = dn }
                case .update(let attributes):
                    object["operation"] = "update"
                    object["attributes"] = json(attributes.dictionary)
                case .rename(let dn):
                    object["operation"] = "rename"
                    object["dn"] = dn
                case .delete:
                    object["operation"] = "delete"
                }
                return object
            }()
        case .clearExport(let link): ["clearExport": "\(link)"]
        case .recordError(let link, let error):
            ["error": "\(link)", "code": error.code, "message": error.message, "rule": error.rule ?? ""]
        case .clearError(let link): ["clearError": "\(link)"]
        case .holdDelete(let link): ["holdDelete": "\(link)"]
        case .markSynchronized(let connector): ["markSynchronized": connector]
        }
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
