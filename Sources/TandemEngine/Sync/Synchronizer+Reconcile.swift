import ConnectorKit

extension Synchronizer {
    /// Settles the in-doubt exports of `connector` against what a confirming import just brought in.
    ///
    /// An add in doubt may have created its object: if exactly one object nobody is joined to
    /// matches it (same distinguished name, or without one, every exported attribute equal), the
    /// add took, and the provisional object gives way to the real one (disconnect, then join), so
    /// it is never added twice. Every metaverse object with an export in doubt is then recomputed
    /// by this run: updates that took leave nothing pending, those that did not are staged again.
    package mutating func adoptInDoubtAdds(connector: String) throws(EngineError) {
        let space = state.space(connector)
        for anchor in space.inDoubtExports.keys.sorted() {
            guard let export = space.pendingExports[anchor], let id = export.metaverseID else { continue }
            affected.insert(id)
            guard case .add(let dn, let attributes) = export.operation,
                space.objects[anchor]?.isPendingAdd == true
            else { continue }
            let candidates = createdObjects(
                connector: connector, type: export.objectType, distinguishedName: dn, attributes: attributes.dictionary)
            guard candidates.count == 1, let found = candidates.first else {
                if candidates.count > 1 {
                    try recordError(
                        ConnectorSpaceLink(connector: connector, anchor: anchor), rule: nil, code: "ambiguous-adoption",
                        message:
                            "an add whose outcome was unknown matches \(candidates.count) imported objects; exactly one is needed to adopt it"
                    )
                }
                continue
            }
            let provisional = ConnectorSpaceLink(connector: connector, anchor: anchor)
            let adopted = ConnectorSpaceLink(connector: connector, anchor: found)
            try record(.disconnect(provisional, from: id))
            try record(.join(adopted, to: id))
            newlyLinked.insert(adopted)
        }
    }

    /// Unjoined, imported objects of `type` that an add of these values would have created.
    private mutating func createdObjects(
        connector: String, type: ObjectType, distinguishedName: String?, attributes: Attributes
    ) -> [Anchor] {
        let space = state.space(connector)
        let eligible: (ConnectorSpaceObject) -> Bool = {
            $0.objectType == type && $0.metaverseID == nil && !$0.isPendingAdd
        }
        if let distinguishedName {
            let wanted = distinguishedName.asciiLowercased()
            return space.objects.values.filter {
                eligible($0) && $0.distinguishedName?.asciiLowercased() == wanted
            }.map(\.anchor).sorted()
        }
        guard let (name, values) = attributes.sorted(by: { $0.key < $1.key }).first(where: { !$0.value.isEmpty })
        else { return [] }
        var found = Set<Anchor>()
        for value in values {
            found.formUnion(
                outboundJoinIndex(connector: connector, type: type, attribute: name)[MetaverseIndex.normalize(value)]
                    ?? [])
        }
        return found.filter { anchor in
            guard let object = space.objects[anchor], eligible(object) else { return false }
            return attributes.allSatisfy { object.attributes.holds($0.key, sameValuesAs: $0.value) }
        }.sorted()
    }
}
