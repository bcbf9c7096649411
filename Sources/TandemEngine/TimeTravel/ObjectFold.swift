import ConnectorKit

/// The state of a few objects, folded from only the events that touched them — what `explain`
/// needs, without decoding a whole checkpoint.
///
/// It applies the rules of ``EngineState/apply(_:seq:timeMicroseconds:)`` restricted to the
/// objects in `references`: given every event that touched those objects (the object index
/// lists them), each object ends as it is in the full state. Tests compare both on every object.
struct ObjectFold {
    /// A connector-space object, as far as `explain` reads it.
    struct SpaceObject: Equatable {
        var distinguishedName: String?
        var attributes: Attributes
        var metaverseID: MetaverseID?
        var isPendingAdd: Bool
    }

    /// One event that touched a folded object.
    struct Event {
        var seq: UInt64
        var timeMicroseconds: Int64
        var event: EngineEvent
    }

    let references: Set<ObjectReference>
    private(set) var objects: [ConnectorSpaceLink: SpaceObject] = [:]
    private(set) var pendingExports: [ConnectorSpaceLink: PendingExport.Operation] = [:]
    private(set) var metaverse: [MetaverseID: MetaverseObject] = [:]

    init(references: Set<ObjectReference>) { self.references = references }

    /// Folds `events` (ascending seqs) through `lastSeq`; a restore makes the objects those of the
    /// fold through the seq it names, as replay does.
    static func fold(_ events: [Event], through lastSeq: UInt64, references: Set<ObjectReference>) -> ObjectFold {
        var fold = ObjectFold(references: references)
        for event in events {
            guard event.seq <= lastSeq else { break }
            if case .restored(let restore) = event.event {
                if restore.toSeq < event.seq {
                    fold = Self.fold(events, through: restore.toSeq, references: references)
                }
            } else {
                fold.apply(event.event)
            }
        }
        return fold
    }

    private func holds(_ connector: String, _ anchor: Anchor) -> Bool {
        references.contains(.connectorObject(ConnectorSpaceLink(connector: connector, anchor: anchor)))
    }

    // Mutations of an object already folded need no check (only folded objects are in the
    // dictionaries); only creating one does.
    mutating func apply(_ event: EngineEvent) {
        switch event {
        case .objectsImported(let e):
            for change in e.changes where holds(e.connector, change.anchor) {
                applyImport(change, connector: e.connector)
            }
        case .syncDecisions(let e):
            for decision in e.decisions { apply(decision) }
        case .exportResults(let e):
            for (anchor, outcome) in e.results {
                guard case .applied(let newAnchor) = outcome else { continue }
                applyExport(
                    ConnectorSpaceLink(connector: e.connector, anchor: anchor),
                    ConnectorSpaceLink(connector: e.connector, anchor: newAnchor))
            }
        default:
            break
        }
    }

    private mutating func applyImport(_ change: ConnectorSpaceChange, connector: String) {
        let link = ConnectorSpaceLink(connector: connector, anchor: change.anchor)
        switch change {
        case .upsert(let object):
            var stored =
                objects[link]
                ?? SpaceObject(distinguishedName: nil, attributes: [:], metaverseID: nil, isPendingAdd: false)
            stored.distinguishedName = object.distinguishedName
            stored.attributes = object.attributes.dictionary
            stored.isPendingAdd = false
            objects[link] = stored
        case .update(_, let changes):
            guard var stored = objects[link] else { return }
            for change in changes { change.apply(to: &stored.attributes) }
            stored.isPendingAdd = false
            objects[link] = stored
        case .rename(_, let dn):
            objects[link]?.distinguishedName = dn
        case .confirm:
            objects[link]?.isPendingAdd = false
        case .delete:
            objects[link] = nil
            pendingExports[link] = nil
        }
    }

    private mutating func applyExport(_ link: ConnectorSpaceLink, _ newLink: ConnectorSpaceLink) {
        guard let operation = pendingExports.removeValue(forKey: link) else { return }
        guard case .add(let dn, let attributes) = operation else { return }
        if newLink != link, let object = objects.removeValue(forKey: link) {
            objects[newLink] = object
            if let id = object.metaverseID {
                metaverse[id]?.links.remove(link)
                metaverse[id]?.links.insert(newLink)
            }
        }
        objects[newLink]?.isPendingAdd = false
        objects[newLink]?.attributes = attributes.dictionary
        if let dn { objects[newLink]?.distinguishedName = dn }
    }

    private mutating func apply(_ decision: SyncDecision) {
        switch decision {
        case .project(let id, let type, let link):
            if references.contains(.metaverse(id)) {
                var object = MetaverseObject(id: id, objectType: type)
                object.links = [link]
                object.projectedBy = link
                metaverse[id] = object
            }
            objects[link]?.metaverseID = id
        case .join(let link, let id):
            metaverse[id]?.links.insert(link)
            objects[link]?.metaverseID = id
        case .disconnect(let link, let id):
            metaverse[id]?.links.remove(link)
            if metaverse[id]?.projectedBy == link { metaverse[id]!.projectedBy = nil }
            if let object = objects[link], object.metaverseID == id {
                if object.isPendingAdd {
                    objects[link] = nil
                    pendingExports[link] = nil
                } else {
                    objects[link]!.metaverseID = nil
                }
            }
        case .setAttribute(let id, let attribute, let values, let contributor):
            metaverse[id]?.attributes[attribute] =
                values.isEmpty ? nil : MetaverseValue(values: values.values, contributor: contributor)
        case .setAuthoritativeNull(let id, let attribute, let contributor):
            metaverse[id]?.attributes[attribute] = MetaverseValue(
                values: [], contributor: contributor, isAuthoritativeNull: true)
        case .removeAttribute(let id, let attribute):
            metaverse[id]?.attributes[attribute] = nil
        case .deleteMetaverseObject(let id):
            guard let object = metaverse.removeValue(forKey: id) else { return }
            for link in object.links where objects[link]?.metaverseID == id { objects[link]!.metaverseID = nil }
        case .provision(let link, _, let dn, let id):
            if holds(link.connector, link.anchor) {
                objects[link] = SpaceObject(distinguishedName: dn, attributes: [:], metaverseID: id, isPendingAdd: true)
            }
            metaverse[id]?.links.insert(link)
        case .stageExport(let connector, let export):
            if holds(connector, export.anchor) {
                pendingExports[ConnectorSpaceLink(connector: connector, anchor: export.anchor)] = export.operation
            }
        case .clearExport(let link):
            pendingExports[link] = nil
        case .recordError, .clearError, .holdDelete, .markSynchronized:
            break
        }
    }

    /// The objects `events` link to `references` that the fold also needs: for each metaverse
    /// object in `expanding`, its connector-space objects and the sources of its values; for each
    /// connector-space object, the metaverse objects it joins (their deletion unlinks it) and the
    /// anchors an export re-keyed it from or to.
    static func related(
        to references: Set<ObjectReference>, expanding: Set<MetaverseID>, in events: [Event]
    ) -> Set<ObjectReference> {
        var found: Set<ObjectReference> = []
        func link(_ link: ConnectorSpaceLink, _ id: MetaverseID) {
            if expanding.contains(id) { found.insert(.connectorObject(link)) }
            if references.contains(.connectorObject(link)) { found.insert(.metaverse(id)) }
        }
        for event in events {
            switch event.event {
            case .syncDecisions(let e):
                for decision in e.decisions {
                    switch decision {
                    case .project(let id, _, let l), .join(let l, let id), .disconnect(let l, let id),
                        .provision(let l, _, _, let id):
                        link(l, id)
                    case .setAttribute(let id, _, _, let contributor),
                        .setAuthoritativeNull(let id, _, let contributor):
                        if expanding.contains(id) {
                            found.insert(
                                .connectorObject(
                                    ConnectorSpaceLink(connector: contributor.connector, anchor: contributor.anchor)))
                        }
                    default:
                        break
                    }
                }
            case .exportResults(let e):
                for (anchor, outcome) in e.results {
                    guard case .applied(let newAnchor) = outcome, newAnchor != anchor else { continue }
                    let old = ObjectReference.connectorObject(
                        ConnectorSpaceLink(connector: e.connector, anchor: anchor))
                    let new = ObjectReference.connectorObject(
                        ConnectorSpaceLink(connector: e.connector, anchor: newAnchor))
                    if references.contains(old) || references.contains(new) {
                        found.insert(old)
                        found.insert(new)
                    }
                }
            default:
                break
            }
        }
        return found.subtracting(references)
    }
}
