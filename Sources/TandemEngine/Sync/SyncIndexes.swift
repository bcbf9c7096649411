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

    init(metaverse: MetaverseIndex) {
        self.metaverse = metaverse
    }

    /// Notes that metaverse object `id` now holds `values` (entries for values it dropped become stale).
    mutating func metaverseValuesSet(_ id: MetaverseID, _ values: [AttributeValue]) {
        guard metaverseReferrers != nil else { return }
        for value in values {
            if case .reference(let anchor) = value, let target = MetaverseReference.id(anchor) {
                metaverseReferrers![target, default: []].insert(id)
            }
        }
    }

    /// The referrers of every metaverse object, built from the whole metaverse on first use.
    mutating func metaverseReferrers(in metaverse: [MetaverseID: MetaverseObject]) -> [MetaverseID: Set<MetaverseID>] {
        if let referrers = metaverseReferrers { return referrers }
        var referrers: [MetaverseID: Set<MetaverseID>] = [:]
        for (id, object) in metaverse {
            for value in object.attributes.values {
                for case .reference(let anchor) in value.values {
                    if let target = MetaverseReference.id(anchor) { referrers[target, default: []].insert(id) }
                }
            }
        }
        metaverseReferrers = referrers
        return referrers
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
        for values in object.attributes.values {
            for case .reference(let target) in values { referrers[target, default: []].insert(object.anchor) }
        }
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
