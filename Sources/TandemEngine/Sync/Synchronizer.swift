import ConnectorKit

/// Computes the decisions of a sync run and applies each to a working copy of the state as it
/// is made, so that the live state and a replay of the recorded decisions are the same fold.
///
/// Deterministic: objects are visited in anchor order, rules in (precedence, name) order, and
/// nothing reads the clock or iterates a dictionary in its own order.
package struct Synchronizer {
    package let rules: CompiledRules
    package private(set) var state: EngineState
    package private(set) var decisions: [SyncDecision] = []
    package private(set) var statistics = RunStatistics()
    let errorLimit: Int
    /// The lookups of the run, kept in step with every decision (see ``SyncIndexes``).
    var indexes: SyncIndexes
    /// Metaverse objects whose attributes and exports must be recomputed.
    var affected: Set<MetaverseID> = []
    /// Connector-space objects joined or projected in this run (their referrers may now resolve).
    var newlyLinked: Set<ConnectorSpaceLink> = []
    /// Metaverse objects whose outbound references left out objects not yet provisioned in that connector:
    /// they flow outbound again at the end of the run, when this run may have provisioned them.
    var referrersAwaitingProvisioning: Set<MetaverseID> = []
    /// Unjoined objects by attribute value, for outbound joins (stale entries are re-checked on use).
    var outboundIndexes: [String: [String: Set<Anchor>]] = [:]
    /// Metaverse objects by their links to connector-space objects that are gone, found by one scan of
    /// the metaverse when first needed (`nil`: not scanned, or stale).
    var linksToDeletedObjects: [ConnectorSpaceLink: [MetaverseID]]?

    /// The run stopped because the error limit was reached.
    package private(set) var stoppedAtErrorLimit = false

    /// Connectors whose systems name objects and can rename them; others never get a rename staged.
    let renamingConnectors: Set<String>

    /// Where full groups of decisions go to be encoded while the run goes on (`nil`: every decision is
    /// kept until ``finish()``). With an encoder, ``decisions`` holds only the group being filled.
    let encoder: SyncDecisionEncoder?

    /// - Parameter indexes: the indexes a previous run left, if they still describe `state`; `nil` builds
    ///   them as they are needed.
    package init(
        state: EngineState, rules: CompiledRules, errorLimit: Int = 5_000, renamingConnectors: Set<String>? = nil,
        indexes: SyncIndexes? = nil, encoder: SyncDecisionEncoder? = nil
    ) {
        self.state = state
        self.encoder = encoder
        self.renamingConnectors = renamingConnectors ?? Set(rules.outbound.map(\.rule.connector))
        self.rules = rules
        self.errorLimit = errorLimit
        if let indexes {
            self.indexes = indexes
            return
        }
        var pairs = Set<MetaverseIndex.AttributePair>()
        for rule in rules.inbound {
            for group in rule.rule.join {
                for condition in group { pairs.insert(.init(type: rule.rule.targetType, attribute: condition.target)) }
            }
        }
        for (type, configuration) in rules.metaverse {
            for attribute in configuration.unique { pairs.insert(.init(type: type, attribute: attribute)) }
        }
        self.indexes = SyncIndexes(metaverse: MetaverseIndex(indexing: pairs))
    }

    /// Records a decision: applies it to the working state (keeping the index current) and keeps it.
    ///
    /// The decision is consumed: it moves into the list of decisions rather than being copied (a copy retains
    /// every string and buffer it holds, and the list's release later releases them again).
    mutating func record(_ decision: consuming SyncDecision) throws(EngineError) {
        switch decision {
        case .setAttribute(let id, let attribute, _, _), .setAuthoritativeNull(let id, let attribute, _),
            .removeAttribute(let id, let attribute):
            if case .setAttribute(_, _, let values, _) = decision { indexes.metaverseValuesSet(id, values) }
            // Most attributes are neither joined on nor unique: only indexed ones need their old values (the
            // name is checked first, which spares the others a metaverse lookup).
            guard indexes.metaverse.indexesAttribute(named: attribute), let type = state.metaverse[id]?.objectType,
                indexes.metaverse.isMaintained(type: type, attribute: attribute)
            else {
                try state.apply(decision, seq: state.lastSeq)
                break
            }
            let old = state.metaverse[id]?.values(attribute) ?? []
            try state.apply(decision, seq: state.lastSeq)
            indexes.metaverse.update(
                id: id, type: type, attribute: attribute, old: old, new: state.metaverse[id]?.values(attribute) ?? [])
        case .deleteMetaverseObject(let id):
            if let object = state.metaverse[id] {
                for (name, value) in object.attributes {
                    indexes.metaverse.update(
                        id: id, type: object.objectType, attribute: name, old: value.values, new: [])
                }
            }
            try state.apply(decision, seq: state.lastSeq)
        case .disconnect(let link, _):
            // Disconnecting a provisional object deletes it, which can leave links to a deleted object.
            if state.connectorSpaces[link.connector]?.objects[link.anchor]?.isPendingAdd == true {
                linksToDeletedObjects = nil
            }
            try state.apply(decision, seq: state.lastSeq)
        default:
            try state.apply(decision, seq: state.lastSeq)
        }
        switch decision {
        case .project: statistics.projections += 1
        case .join: statistics.joins += 1
        case .disconnect: statistics.disconnections += 1
        case .stageExport: statistics.exportsStaged += 1
        case .recordError: statistics.errors += 1
        default: break
        }
        decisions.append(decision)
        if let encoder, decisions.count >= encoder.decisionsPerEvent {
            encoder.submit(decisions)
            decisions = []
            decisions.reserveCapacity(encoder.decisionsPerEvent)
        }
    }

    /// Makes room for `count` attributes taking `bytes` in a metaverse object about to receive them (no
    /// decision: its values do not change).
    mutating func reserveAttributes(_ count: Int, bytes: Int, of id: MetaverseID) {
        state.reserveAttributes(count, bytes: bytes, of: id)
    }

    /// Hands over the working state, with every decision applied, and the decisions in order (with an
    /// encoder: those not yet handed to it, which ``flushDecisions()`` hands over).
    package consuming func finish() -> (state: EngineState, decisions: [SyncDecision], indexes: SyncIndexes) {
        (state, decisions, indexes)
    }

    /// Hands the decisions of the group being filled to the encoder (the run's last, shorter event).
    package mutating func flushDecisions() {
        guard let encoder, !decisions.isEmpty else { return }
        encoder.submit(decisions)
        decisions = []
    }

    /// Records a sync error on one object (quarantining it for this run) unless the same error is already recorded.
    mutating func recordError(_ link: ConnectorSpaceLink, rule: String?, code: String, message: String)
        throws(EngineError)
    {
        let error = SyncErrorRecord(rule: rule, code: code, message: message)
        if state.connectorSpaces[link.connector]?.errors[link.anchor] != error {
            try record(.recordError(link, error))
        } else {
            statistics.errors += 1
        }
        if statistics.errors >= errorLimit { stoppedAtErrorLimit = true }
    }

    /// Whether `sorted` (ascending, without duplicates) holds `anchor`.
    static func containsSorted(_ sorted: [Anchor], _ anchor: Anchor) -> Bool {
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = low + (high - low) / 2
            if sorted[middle] < anchor { low = middle + 1 } else { high = middle }
        }
        return low < sorted.count && sorted[low] == anchor
    }

    /// Makes room, before a full sync of `connector`, for what projecting its `count` unlinked objects adds:
    /// metaverse objects, their index entries, and the objects and exports provisioned from them. Growing
    /// these one object at a time rehashes each several times over a large first sync.
    mutating func reserveForProjections(_ count: Int, from connector: String) {
        var types = Set<ObjectType>()
        for rule in rules.inbound where rule.rule.connector == connector && rule.rule.projection {
            types.insert(rule.rule.targetType)
        }
        guard !types.isEmpty else { return }
        state.reserveMetaverseObjects(count)
        var provisioned = Set<String>()
        for type in types.sorted() {
            indexes.metaverse.expect(count, of: type)
            for rule in rules.outboundRules(for: type) where rule.rule.provision {
                provisioned.insert(rule.rule.connector)
            }
        }
        for name in provisioned.sorted() { state.reserveProvisioned(count, in: name) }
    }

    /// Synchronizes one connector: every object (full sync) or those imported since its last sync (delta sync).
    package mutating func synchronize(
        connector: String, full: Bool, progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) throws(EngineError) {
        // No copy of the space is held across the loop: recording a decision while one is held would copy all
        // of the space's objects. A full sync visits every object and every object deleted since the last sync:
        // the space's keys plus the deleted ones, disjoint, so no set of a million anchors is built to merge them.
        var anchors: [Anchor]
        var unlinked = 0
        do {
            let space = state.space(connector)
            if full {
                indexes.spaceReferrers[connector] = nil  // rebuilt from the whole space if needed
                anchors = Array(space.objects.keys)
                for anchor in space.changedSinceSync where space.objects.index(forKey: anchor) == nil {
                    anchors.append(anchor)
                }
                for object in space.objects.values where object.metaverseID == nil && !object.isPendingAdd {
                    unlinked += 1
                }
            } else {
                indexes.refreshReferrers(of: space)
                anchors = Array(space.changedSinceSync)
            }
        }
        anchors.sort()
        if full {
            // Every object of a full sync that is or gets linked is affected, and its link newly linked.
            affected.reserveCapacity(affected.count + anchors.count)
            newlyLinked.reserveCapacity(newlyLinked.count + anchors.count)
            if unlinked > 0 { reserveForProjections(unlinked, from: connector) }
        }
        for (done, anchor) in anchors.enumerated() {
            if stoppedAtErrorLimit {
                indexes.synchronized(connector, full: full, stopped: true, metaverse: state.metaverse)
                return
            }
            if done % 1024 == 0 { progress(done, anchors.count) }
            try synchronizeInbound(ConnectorSpaceLink(connector: connector, anchor: anchor))
        }
        if full {
            // Links whose connector-space object is gone (deleted by an import some earlier run missed).
            // Also links to objects that name another metaverse object or none: noted, so that a later delete
            // of such an object finds this holder without a scan (see ``SyncIndexes/settledConnectors``).
            var gone: [(MetaverseID, ConnectorSpaceLink)] = []
            do {
                let objects = state.connectorSpaces[connector]?.objects  // nothing is recorded during the scan
                for (id, object) in state.metaverse {
                    for link in object.links where link.connector == connector {
                        if let objects, let index = objects.index(forKey: link.anchor) {
                            if objects[index].value.metaverseID != id {
                                indexes.deletedHolders[link, default: []].insert(id)
                            }
                        } else if !Self.containsSorted(anchors, link.anchor) {
                            gone.append((id, link))
                        }
                    }
                }
            }
            for (id, link) in gone.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) {
                try record(.disconnect(link, from: id))
                affected.insert(id)
            }
        }
        try resolveWaitingReferences()
        for id in affected.sorted() {
            if stoppedAtErrorLimit {
                indexes.synchronized(connector, full: full, stopped: true, metaverse: state.metaverse)
                return
            }
            try synchronizeMetaverseObject(id)
        }
        // Once, not until nothing changes: an object no rule ends up provisioning is not waited for again.
        let awaiting = referrersAwaitingProvisioning.sorted()
        referrersAwaitingProvisioning = []
        for id in awaiting {
            if stoppedAtErrorLimit { return }
            try synchronizeOutbound(id)
        }
        try record(.markSynchronized(connector: connector))
        indexes.synchronized(connector, full: full, stopped: stoppedAtErrorLimit, metaverse: state.metaverse)
    }
}
