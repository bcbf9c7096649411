import ConnectorKit

extension Synchronizer {
    /// Scope, join, projection and disconnection of one connector-space object.
    mutating func synchronizeInbound(_ link: ConnectorSpaceLink) throws(EngineError) {
        let space = state.space(link.connector)
        guard let object = space.objects[link.anchor] else {
            // Deleted by an import: disconnect it from whatever it was joined to.
            for id in holders(ofDeleted: link) {
                try record(.disconnect(link, from: id))
                affected.insert(id)
            }
            return
        }
        guard !object.isPendingAdd else { return }  // Tandem's own provisional object: nothing to import yet
        let applicable = rules.inboundRules(connector: link.connector, type: object.objectType).filter {
            $0.rule.scope.matches { object.attributes[$0] ?? [] }
        }
        if let id = object.metaverseID {
            // An object that inbound rules can join leaves when it leaves all their scopes; one that only
            // outbound rules manage (provisioned or joined by them) is left to outbound deprovisioning.
            let mvType = state.metaverse[id]?.objectType
            let inbound = rules.inboundRules(connector: link.connector, type: object.objectType).filter {
                $0.rule.targetType == mvType
            }
            if !inbound.isEmpty && !applicable.contains(where: { $0.rule.targetType == mvType }) {
                try record(.disconnect(link, from: id))
            }
            // An object confirmed by import may be the target others' references wait for.
            newlyLinked.insert(link)
            affected.insert(id)
            return
        }
        guard !applicable.isEmpty else { return }  // a disconnector: no rule wants it

        switch try findJoin(object, link: link, rules: applicable) {
        case .joined(let id):
            try clearError(link)
            try record(.join(link, to: id))
            newlyLinked.insert(link)
            affected.insert(id)
        case .ambiguous(let rule, let count):
            try recordError(
                link, rule: rule, code: "ambiguous-join",
                message: "join rule matches \(count) metaverse objects; exactly one is needed")
        case .none:
            guard let projecting = applicable.first(where: { $0.rule.projection }) else { return }
            try clearError(link)
            let id = MetaverseID(state.nextMetaverseID)
            try record(.project(id, objectType: projecting.rule.targetType, from: link))
            newlyLinked.insert(link)
            affected.insert(id)
        }
    }

    /// The metaverse objects linked to `link`, whose connector-space object is gone, in ID order. One
    /// scan of the metaverse finds the links to every deleted object of the run (a delta run meets
    /// them one by one); sync adds no such link, and the cache is dropped when it deletes an object.
    mutating func holders(ofDeleted link: ConnectorSpaceLink) -> [MetaverseID] {
        if indexes.settledConnectors.contains(link.connector) {
            // The holders were noted when the import deleted the object: no scan.
            return (indexes.deletedHolders[link] ?? []).sorted().filter {
                state.metaverse[$0]?.links.contains(link) == true
            }
        }
        if linksToDeletedObjects == nil {
            let objects = state.connectorSpaces.mapValues(\.objects)
            var found: [ConnectorSpaceLink: [MetaverseID]] = [:]
            for (id, object) in state.metaverse {
                for held in object.links where objects[held.connector]?.index(forKey: held.anchor) == nil {
                    found[held, default: []].append(id)
                }
            }
            linksToDeletedObjects = found
        }
        return (linksToDeletedObjects?[link] ?? []).sorted().filter {
            state.metaverse[$0]?.links.contains(link) == true
        }
    }

    enum JoinOutcome {
        case joined(MetaverseID)
        case ambiguous(rule: String, count: Int)
        case none
    }

    /// Tries each rule's join groups in order: the first group that finds exactly one metaverse
    /// object wins; a group that finds several is an ambiguous join.
    mutating func findJoin(_ object: ConnectorSpaceObject, link: ConnectorSpaceLink, rules: [CompiledInboundRule])
        throws(EngineError)
        -> JoinOutcome
    {
        for rule in rules {
            for group in rule.rule.join where !group.isEmpty {
                var candidates: Set<MetaverseID>?
                for condition in group {
                    var matches = Set<MetaverseID>()
                    for value in object.attributes[condition.source] ?? [] {
                        matches.formUnion(
                            indexes.metaverse.objects(
                                type: rule.rule.targetType, attribute: condition.target, value: value,
                                in: state.metaverse))
                    }
                    candidates = candidates.map { $0.intersection(matches) } ?? matches
                    if candidates!.isEmpty { break }
                }
                // A metaverse object holds at most one object per connector.
                let eligible = (candidates ?? []).filter { id in
                    !(state.metaverse[id]?.links.contains { $0.connector == link.connector } ?? true)
                }
                if eligible.count == 1 { return .joined(eligible.first!) }
                if eligible.count > 1 { return .ambiguous(rule: rule.rule.name, count: eligible.count) }
            }
        }
        return .none
    }

    mutating func clearError(_ link: ConnectorSpaceLink) throws(EngineError) {
        if state.connectorSpaces[link.connector]?.errors[link.anchor] != nil { try record(.clearError(link)) }
    }

    /// Objects that hold references to objects joined in this run are synchronized again, so a
    /// reference that arrived before its target resolves now. The referrers come from indexes (kept
    /// between runs), each checked against the object's current values.
    mutating func resolveWaitingReferences() throws(EngineError) {
        guard !newlyLinked.isEmpty else { return }
        let targets = Dictionary(grouping: newlyLinked, by: \.connector).mapValues { Set($0.map(\.anchor)) }
        for (connector, anchors) in targets.sorted(by: { $0.key < $1.key }) {
            let space = state.space(connector)
            let referrers = indexes.spaceReferrers(in: space)
            for anchor in anchors {
                for referrer in referrers[anchor] ?? [] {
                    guard let object = space.objects[referrer], let id = object.metaverseID, !affected.contains(id)
                    else { continue }
                    if object.attributes.containsReference(to: anchor) { affected.insert(id) }
                }
            }
        }
        // Metaverse objects referring to newly linked ones flow outbound references again.
        let newIDs = Set(
            newlyLinked.compactMap { state.connectorSpaces[$0.connector]?.objects[$0.anchor]?.metaverseID })
        guard !newIDs.isEmpty else { return }
        let metaverseReferrers = indexes.metaverseReferrers(in: state.metaverse)
        for target in newIDs {
            for id in metaverseReferrers[target] ?? [] where !affected.contains(id) {
                guard let object = state.metaverse[id] else { continue }
                var refers = false
                object.attributes.forEachReferencedObject { if $0 == target { refers = true } }
                if refers { affected.insert(id) }
            }
        }
    }
}

/// Metaverse reference values hold `mv:N`, the referenced metaverse object's ID.
enum MetaverseReference {
    static func anchor(_ id: MetaverseID) -> Anchor { Anchor("mv:\(id.rawValue)") }

    static func id(_ anchor: Anchor) -> MetaverseID? {
        guard anchor.rawValue.hasPrefix("mv:"), let value = UInt64(anchor.rawValue.dropFirst(3)) else { return nil }
        return MetaverseID(value)
    }
}
