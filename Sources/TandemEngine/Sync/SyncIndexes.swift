import ConnectorKit

/// The indexes a sync run looks things up in, which the engine keeps from one run to the next so that a
/// delta sync does work in proportion to its changes instead of scanning the metaverse and the spaces.
///
/// The synchronizer keeps them in step with every decision it records. Between runs only imports and
/// export results change the state, and neither changes a metaverse attribute; imports change connector-space
/// attributes, but every object they touch is in its space's `changedSinceSync`, which the next sync of
/// that connector re-indexes. Anything else that replaces or changes the state makes the engine drop them.
package struct SyncIndexes {
    /// Metaverse objects by indexed attribute value, for joins and unique values.
    var metaverse: MetaverseIndex
    /// The metaverse objects whose values refer to each metaverse object (`nil` until first needed). An
    /// entry may be stale (its referrer no longer refers to it: check before use) but none is missing.
    var metaverseReferrers: [MetaverseID: Set<MetaverseID>]?
    /// For each connector indexed so far, its objects by the anchors their reference values name (same
    /// caveat: stale entries, none missing).
    var spaceReferrers: [String: [Anchor: Set<Anchor>]] = [:]
    /// Connectors whose links from the metaverse are all known without a scan: a metaverse object links
    /// one of their objects only if the object names it as its metaverse object, or ``deletedHolders`` says
    /// so. A completed full sync of the connector settles it (its scan of the metaverse disconnects links to
    /// gone objects and notes the other links its objects do not name); from then on every delete an import
    /// applies is noted. A delta sync of a settled connector finds the holders of a deleted object here
    /// instead of scanning the whole metaverse.
    var settledConnectors: Set<String> = []
    /// Links of settled connectors' objects that the objects themselves do not name: the metaverse objects
    /// an object was joined to when an import deleted it, and links a full sync found to objects that name
    /// another metaverse object or none (after a delete and an add of the same anchor). Entries may be
    /// stale (check before use); they are dropped once no longer held.
    var deletedHolders: [ConnectorSpaceLink: Set<MetaverseID>] = [:]

    init(metaverse: MetaverseIndex) {
        self.metaverse = metaverse
    }

    /// Notes that metaverse object `id` now holds `values` (entries for values it dropped become stale).
    mutating func metaverseValuesSet(_ id: MetaverseID, _ values: EncodedValues) {
        guard metaverseReferrers != nil else { return }
        values.withUnsafeBufferPointer { block in
            PackedAttributes.forEachReference(inValues: block) { utf8 in
                if let target = MetaverseReference.id(Anchor(String(decoding: utf8, as: UTF8.self))) {
                    metaverseReferrers![target, default: []].insert(id)
                }
            }
        }
    }

    /// The referrers of every metaverse object, built from the whole metaverse on first use.
    mutating func metaverseReferrers(in metaverse: [MetaverseID: MetaverseObject]) -> [MetaverseID: Set<MetaverseID>] {
        if let referrers = metaverseReferrers { return referrers }
        var referrers: [MetaverseID: Set<MetaverseID>] = [:]
        for (id, object) in metaverse {
            object.attributes.forEachReferencedObject { target in referrers[target, default: []].insert(id) }
        }
        metaverseReferrers = referrers
        return referrers
    }

    /// Notes the metaverse objects that the objects `imported` deletes are joined to, before it is applied to
    /// `state`, for the connector's next sync (see ``deletedHolders``).
    mutating func noteDeletes(_ imported: ObjectsImported, in state: EngineState) {
        guard settledConnectors.contains(imported.connector) else { return }
        let objects = state.connectorSpaces[imported.connector]?.objects
        for case .delete(let anchor) in imported.changes {
            guard let id = objects?[anchor]?.metaverseID else { continue }
            deletedHolders[ConnectorSpaceLink(connector: imported.connector, anchor: anchor), default: []].insert(id)
        }
    }

    /// Records the end of a sync of `connector`: noted links no longer held are dropped; a completed full
    /// sync settles it, a run stopped at the error limit unsettles it.
    mutating func synchronized(
        _ connector: String, full: Bool, stopped: Bool, metaverse: [MetaverseID: MetaverseObject]
    ) {
        if !deletedHolders.isEmpty {
            var kept: [ConnectorSpaceLink: Set<MetaverseID>] = [:]
            for (link, holders) in deletedHolders {
                let held =
                    link.connector == connector
                    ? holders.filter { metaverse[$0]?.links.contains(link) == true } : holders
                if !held.isEmpty { kept[link] = held }
            }
            deletedHolders = kept
        }
        if stopped {
            settledConnectors.remove(connector)
        } else if full {
            settledConnectors.insert(connector)
        }
    }

    /// Brings a connector's referrers (if indexed) up to date with the objects imports changed since its last
    /// sync. Call it when a sync of the connector starts: its end clears `changedSinceSync`.
    mutating func refreshReferrers(of space: ConnectorSpace) {
        guard var referrers = spaceReferrers.removeValue(forKey: space.connector) else { return }
        for anchor in space.changedSinceSync {
            if let object = space.objects[anchor] { Self.add(object, to: &referrers) }
        }
        spaceReferrers[space.connector] = referrers
    }

    /// The referrers within one connector space, built from the whole space on first use.
    mutating func spaceReferrers(in space: ConnectorSpace) -> [Anchor: Set<Anchor>] {
        if let referrers = spaceReferrers[space.connector] { return referrers }
        var referrers: [Anchor: Set<Anchor>] = [:]
        for object in space.objects.values { Self.add(object, to: &referrers) }
        spaceReferrers[space.connector] = referrers
        return referrers
    }

    private static func add(_ object: ConnectorSpaceObject, to referrers: inout [Anchor: Set<Anchor>]) {
        object.attributes.forEachReference { target in referrers[target, default: []].insert(object.anchor) }
    }
}

extension EngineEvent {
    /// Whether applying the event leaves ``SyncIndexes`` describing the state: it changes no metaverse
    /// attribute, and any connector-space attribute it changes is marked changed since the last sync.
    var keepsSyncIndexes: Bool {
        switch self {
        case .configurationApplied, .runStarted, .runFinished, .objectsImported, .exportResults, .deletesApproved,
            .restorePoint, .checkpointTaken, .exportsAttempted:
            return true
        case .syncDecisions(let e):
            return e.decisions.allSatisfy {
                switch $0 {
                case .holdDelete, .stageExport, .clearExport, .recordError, .clearError: true
                default: false
                }
            }
        case .epochStarted, .restored, .exportsReconciled:
            return false
        }
    }
}
