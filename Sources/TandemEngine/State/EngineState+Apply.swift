import ConnectorKit

extension EngineState {
    /// An import is the truth about the connected system: it replaces what the space held and
    /// settles unconfirmed exports (sync re-stages any value that did not take).
    func applyImport(_ change: ConnectorSpaceChange, to space: inout ConnectorSpace, seq: UInt64) throws(EngineError) {
        space.changedSinceSync.insert(change.anchor)
        switch change {
        case .upsert(let object):
            // Changed in place: one lookup, and no copy of the object that keeps its old values alive.
            if let index = space.objects.index(forKey: object.anchor) {
                space.objects.values[index].objectType = object.objectType
                space.objects.values[index].distinguishedName = object.distinguishedName
                space.objects.values[index].attributes = object.attributes
                space.objects.values[index].isPendingAdd = false
            } else {
                space.objects[object.anchor] = ConnectorSpaceObject(
                    anchor: object.anchor, objectType: object.objectType, distinguishedName: object.distinguishedName,
                    attributes: object.attributes)
            }
            space.unconfirmedExports.removeUnlessEmpty(object.anchor)
        case .update(let anchor, let changes):
            guard var stored = space.objects[anchor] else {
                throw EngineError(
                    .inconsistentJournal,
                    "import updates \(space.connector)/\(anchor), which the connector space does not hold",
                    seq: seq)
            }
            var attributes = stored.attributes.dictionary
            for change in changes { change.apply(to: &attributes) }
            stored.attributes = PackedAttributes(attributes)
            stored.isPendingAdd = false
            space.objects[anchor] = stored
            space.unconfirmedExports.removeUnlessEmpty(anchor)
        case .confirm(let anchor):
            guard let index = space.objects.index(forKey: anchor) else {
                throw EngineError(
                    .inconsistentJournal,
                    "import confirms \(space.connector)/\(anchor), which the connector space does not hold",
                    seq: seq)
            }
            space.objects.values[index].isPendingAdd = false
            space.unconfirmedExports.removeUnlessEmpty(anchor)
        case .rename(let anchor, let dn):
            guard space.objects[anchor] != nil else {
                throw EngineError(
                    .inconsistentJournal,
                    "import renames \(space.connector)/\(anchor), which the connector space does not hold",
                    seq: seq)
            }
            space.objects[anchor]!.distinguishedName = dn
            space.unconfirmedExports.removeUnlessEmpty(anchor)
        case .delete(let anchor):
            // The link to the metaverse stays on the metaverse side until sync disconnects it.
            space.objects[anchor] = nil
            space.unconfirmedExports.removeUnlessEmpty(anchor)
            space.heldDeletes.removeUnlessEmpty(anchor)
            space.approvedDeletes.removeUnlessEmpty(anchor)
            // Whatever was pending for the object is moot once the system says it is gone; sync
            // decides afresh (for example to provision it again).
            space.pendingExports.removeUnlessEmpty(anchor)
            space.inDoubtExports.removeUnlessEmpty(anchor)
            space.errors.removeUnlessEmpty(anchor)
        }
    }

    mutating func applyExport(
        _ anchor: Anchor, _ outcome: ExportOutcome, to space: inout ConnectorSpace, seq: UInt64
    ) throws(EngineError) {
        guard let pending = space.pendingExports[anchor] else {
            throw EngineError(
                .inconsistentJournal, "export result for \(space.connector)/\(anchor), which has no pending export",
                seq: seq)
        }
        // A result settles the attempt: the outcome is known, whatever it was.
        space.inDoubtExports.removeUnlessEmpty(anchor)
        switch outcome {
        case .failed(let code, let message):
            space.errors[anchor] = SyncErrorRecord(rule: nil, code: "export-\(code)", message: message)
        case .applied(let newAnchor):
            space.pendingExports[anchor] = nil
            space.errors.removeUnlessEmpty(anchor)
            space.approvedDeletes.removeUnlessEmpty(anchor)
            var operation = pending.operation
            if case .add(let dn, let attributes) = pending.operation, newAnchor != anchor {
                // The system gave the new object its identity: re-key the provisional object.
                guard var object = space.objects.removeValue(forKey: anchor) else {
                    throw EngineError(
                        .inconsistentJournal, "exported add of \(space.connector)/\(anchor) has no object", seq: seq)
                }
                guard space.objects[newAnchor] == nil else {
                    throw EngineError(
                        .inconsistentJournal,
                        "exported add of \(space.connector)/\(anchor) was given anchor \(newAnchor), which is taken",
                        seq: seq)
                }
                object.anchor = newAnchor
                space.objects[newAnchor] = object
                if let id = object.metaverseID, metaverse[id] != nil {
                    metaverse[id]!.links.remove(ConnectorSpaceLink(connector: space.connector, anchor: anchor))
                    metaverse[id]!.links.insert(ConnectorSpaceLink(connector: space.connector, anchor: newAnchor))
                }
                operation = .add(distinguishedName: dn, attributes: attributes)
            }
            if case .add(let dn, let attributes) = operation {
                // The object now exists in the connected system, holding what was written: later syncs
                // diff against it and a deprovisioning deletes it, even before an import confirms the add.
                if let index = space.objects.index(forKey: newAnchor) {
                    space.objects.values[index].isPendingAdd = false
                    space.objects.values[index].attributes = attributes
                    if let dn { space.objects.values[index].distinguishedName = dn }
                }
            }
            space.unconfirmedExports[newAnchor] = operation
        }
    }

    /// Makes room for `count` attributes taking `bytes` in a metaverse object about to receive them (no change
    /// to its values).
    mutating func reserveAttributes(_ count: Int, bytes: Int, of id: MetaverseID) {
        guard let index = metaverse.index(forKey: id) else { return }
        metaverse.values[index].attributes.reserveCapacity(count, bytes: bytes)
    }

    /// Makes room for `count` more metaverse objects (no change to the state's contents).
    mutating func reserveMetaverseObjects(_ count: Int) {
        metaverse.reserveCapacity(metaverse.count + count)
    }

    /// Makes room for `count` more objects and pending exports in an existing connector space (no change to its
    /// contents).
    mutating func reserveProvisioned(_ count: Int, in connector: String) {
        guard let index = connectorSpaces.index(forKey: connector) else { return }
        let objects = connectorSpaces.values[index].objects.count
        connectorSpaces.values[index].objects.reserveCapacity(objects + count)
        let exports = connectorSpaces.values[index].pendingExports.count
        connectorSpaces.values[index].pendingExports.reserveCapacity(exports + count)
    }

    mutating func apply(_ decision: SyncDecision, seq: UInt64) throws(EngineError) {
        func missing(_ what: String) -> EngineError {
            EngineError(.inconsistentJournal, "sync decision refers to \(what), which does not exist", seq: seq)
        }
        switch decision {
        case .project(let id, let type, let link):
            guard metaverse[id] == nil else {
                throw EngineError(.inconsistentJournal, "projection reuses metaverse ID \(id)", seq: seq)
            }
            guard connectorSpaces[link.connector]?.objects[link.anchor] != nil else { throw missing("\(link)") }
            var object = MetaverseObject(id: id, objectType: type)
            object.links = [link]
            object.projectedBy = link
            metaverse[id] = object
            connectorSpaces[link.connector]!.objects[link.anchor]!.metaverseID = id
            nextMetaverseID = max(nextMetaverseID, id.rawValue + 1)
        case .join(let link, let id):
            guard metaverse[id] != nil else { throw missing("\(id)") }
            guard connectorSpaces[link.connector]?.objects[link.anchor] != nil else { throw missing("\(link)") }
            metaverse[id]!.links.insert(link)
            connectorSpaces[link.connector]!.objects[link.anchor]!.metaverseID = id
        case .disconnect(let link, let id):
            metaverse[id]?.links.remove(link)
            if metaverse[id]?.projectedBy == link { metaverse[id]!.projectedBy = nil }
            if connectorSpaces[link.connector]?.objects[link.anchor]?.metaverseID == id {
                if connectorSpaces[link.connector]!.objects[link.anchor]!.isPendingAdd {
                    // Never exported: the object exists only in Tandem, so it goes with its link.
                    connectorSpaces[link.connector]!.objects[link.anchor] = nil
                    connectorSpaces[link.connector]!.pendingExports[link.anchor] = nil
                    connectorSpaces[link.connector]!.inDoubtExports[link.anchor] = nil
                } else {
                    connectorSpaces[link.connector]!.objects[link.anchor]!.metaverseID = nil
                }
            }
        // The most frequent decisions: one lookup of the object each, changed in place.
        case .setAttribute(let id, let attribute, let values, let contributor):
            guard let index = metaverse.index(forKey: id) else { throw missing("\(id)") }
            metaverse.values[index].attributes.set(
                attribute, values: values, contributor: contributor, isAuthoritativeNull: false)
        case .setAuthoritativeNull(let id, let attribute, let contributor):
            guard let index = metaverse.index(forKey: id) else { throw missing("\(id)") }
            metaverse.values[index].attributes.set(
                attribute, values: [], contributor: contributor, isAuthoritativeNull: true)
        case .removeAttribute(let id, let attribute):
            guard let index = metaverse.index(forKey: id) else { throw missing("\(id)") }
            metaverse.values[index].attributes.remove(attribute)
        case .deleteMetaverseObject(let id):
            guard let object = metaverse.removeValue(forKey: id) else { throw missing("\(id)") }
            for link in object.links where connectorSpaces[link.connector]?.objects[link.anchor]?.metaverseID == id {
                connectorSpaces[link.connector]!.objects[link.anchor]!.metaverseID = nil
            }
        case .provision(let link, let type, let dn, let id):
            guard metaverse[id] != nil else { throw missing("\(id)") }
            guard connectorSpaces[link.connector]?.objects[link.anchor] == nil else {
                throw EngineError(.inconsistentJournal, "provisioning \(link), which already exists", seq: seq)
            }
            // Mutated in place: a copy of the space taken out and stored back would copy all its objects.
            if connectorSpaces[link.connector] == nil {
                connectorSpaces[link.connector] = ConnectorSpace(connector: link.connector)
            }
            connectorSpaces[link.connector]!.objects[link.anchor] = ConnectorSpaceObject(
                anchor: link.anchor, objectType: type, distinguishedName: dn, metaverseID: id, isPendingAdd: true)
            metaverse[id]!.links.insert(link)
        case .stageExport(let connector, let export):
            if connectorSpaces[connector] == nil { connectorSpaces[connector] = ConnectorSpace(connector: connector) }
            connectorSpaces[connector]!.pendingExports[export.anchor] = export
        case .clearExport(let link):
            connectorSpaces[link.connector]?.pendingExports[link.anchor] = nil
            connectorSpaces[link.connector]?.inDoubtExports[link.anchor] = nil
        case .recordError(let link, let record):
            if connectorSpaces[link.connector] == nil {
                connectorSpaces[link.connector] = ConnectorSpace(connector: link.connector)
            }
            connectorSpaces[link.connector]!.errors[link.anchor] = record
        case .clearError(let link):
            connectorSpaces[link.connector]?.errors[link.anchor] = nil
        case .holdDelete(let link):
            if connectorSpaces[link.connector] == nil {
                connectorSpaces[link.connector] = ConnectorSpace(connector: link.connector)
            }
            connectorSpaces[link.connector]!.heldDeletes.insert(link.anchor)
        case .markSynchronized(let connector):
            connectorSpaces[connector]?.changedSinceSync = []
        }
    }
}

// Most of a space's side tables (errors, held and approved deletes, exports in doubt) are empty, and removing
// a key from an empty dictionary or set still hashes it: imports and export results remove one per object.
extension Dictionary {
    fileprivate mutating func removeUnlessEmpty(_ key: Key) {
        if !isEmpty { removeValue(forKey: key) }
    }
}

extension Set {
    fileprivate mutating func removeUnlessEmpty(_ member: Element) {
        if !isEmpty { remove(member) }
    }
}

extension Dictionary {
    /// Gives back the room of a table left at under a quarter of it, which Swift's dictionaries never do by
    /// themselves: a full sync stages a million pending exports and the export then settles every one, so
    /// an emptied table would otherwise keep the room of a million entries for as long as the engine runs.
    /// Each shrink copies what is left, after three times as many were removed. Not waiting longer matters
    /// while the export runs: the room of the settled exports is given back before the tables that grow with
    /// them (unconfirmed exports, the connector's) are at their largest.
    mutating func releaseUnusedCapacity() {
        guard capacity > 1_024, count * 4 < capacity else { return }
        guard !isEmpty else {
            self = [:]
            return
        }
        var kept = Self(minimumCapacity: count)
        for (key, value) in self { kept[key] = value }
        self = kept
    }
}

extension ConnectorSpace {
    /// Gives back the room of the export tables an import or an export emptied (see
    /// ``Swift/Dictionary/releaseUnusedCapacity()``); the space's contents do not change.
    mutating func releaseUnusedCapacity() {
        pendingExports.releaseUnusedCapacity()
        unconfirmedExports.releaseUnusedCapacity()
        inDoubtExports.releaseUnusedCapacity()
        errors.releaseUnusedCapacity()
    }
}
