import ConnectorKit

extension Synchronizer {
    /// One contribution to a metaverse attribute: a flow of an in-scope rule on a linked object that said
    /// something (`NULL` and empty results contribute nothing).
    struct Contribution {
        var contributor: Contributor
        /// The values; `nil` for an AuthoritativeNull.
        var values: EncodedValues?
    }

    /// Recomputes a metaverse object's attributes from every linked object's inbound flows
    /// (precedence, NULL, AuthoritativeNull), then its exports; deletes it when no object of a
    /// contributing connector remains linked.
    mutating func synchronizeMetaverseObject(_ id: MetaverseID) throws(EngineError) {
        guard let object = state.metaverse[id] else { return }
        let contributing = rules.contributingConnectors(for: object.objectType)
        if !object.links.contains(where: {
            contributing.contains($0.connector)
                && state.connectorSpaces[$0.connector]?.objects[$0.anchor]?.isPendingAdd == false
        }) {
            try deprovisionAll(id)
            try record(.deleteMetaverseObject(id))
            return
        }
        try flowInbound(id)
        try synchronizeOutbound(id)
    }

    /// Evaluates the inbound flows of every linked object and sets each attribute to its winner.
    mutating func flowInbound(_ id: MetaverseID) throws(EngineError) {
        guard let object = state.metaverse[id] else { return }
        // Every contribution with its target, sorted by target (a list rather than a dictionary of lists:
        // one rule contributes most attributes, and its flows come in target order).
        var contributed: [(target: String, contribution: Contribution)] = []
        var contributingRules = 0
        var failed: [String] = []  // attributes whose flow failed: keep their current value
        var erred = Set<ConnectorSpaceLink>()
        for link in object.links {
            guard let source = state.connectorSpaces[link.connector]?.objects[link.anchor], !source.isPendingAdd else {
                continue
            }
            let values = inboundValues(of: source, connector: link.connector)
            for rule in rules.inboundRules(connector: link.connector, type: source.objectType)
            where rule.rule.targetType == object.objectType && rule.rule.scope.matches({ source.attributes[$0] ?? [] })
            {
                contributingRules += 1
                // One record for all of the rule's flows from this object (see ``Contributor``).
                let contributor = Contributor(
                    rule: rule.rule.name, connector: link.connector, anchor: link.anchor,
                    precedence: rule.rule.precedence)
                if contributed.isEmpty { contributed.reserveCapacity(rule.flows.count) }
                for index in rule.flowsInTargetOrder {
                    let flow = rule.flows[index]
                    // A direct flow of plain values hands on the object's own bytes, decoding nothing.
                    if let name = flow.expression.directSource, let encoded = source.attributes.plainValues(name) {
                        contributed.append((flow.target, Contribution(contributor: contributor, values: encoded)))
                        continue
                    }
                    do {
                        switch try flow.expression.evaluateFlow(values) {
                        case .values(let result) where !result.isEmpty:
                            contributed.append(
                                (flow.target, Contribution(contributor: contributor, values: EncodedValues(result))))
                        case .authoritativeNull:
                            contributed.append((flow.target, Contribution(contributor: contributor, values: nil)))
                        case .values, .null:
                            break
                        }
                    } catch {
                        failed.append(flow.target)
                        erred.insert(link)
                        try recordError(
                            link, rule: rule.rule.name, code: "expression",
                            message: "flow to \(flow.target) failed: \(Self.describe(error))")
                    }
                }
            }
        }
        if contributingRules > 1 {
            // Several rules' sorted runs: sort them together, keeping each target's contributions in order.
            contributed = contributed.enumerated().sorted {
                ($0.element.target, $0.offset) < ($1.element.target, $1.offset)
            }
            .map(\.element)
        }
        let winners = Self.winners(contributed, held: object.attributes.isEmpty ? [] : object.attributes.keys)
            .filter { failed.isEmpty || !failed.contains($0.name) }
        let unique = rules.metaverse[object.objectType]?.unique ?? []  // a few names: no set needed
        // A new object's attributes are set one by one: size its buffer once, exactly, instead of growing it.
        if object.attributes.isEmpty && winners.count > 1 {
            var bytes = 0
            for case (let name, let winner?) in winners {
                bytes += MetaverseAttributes.encodedSize(name, values: winner.values ?? [])
            }
            reserveAttributes(winners.count, bytes: bytes, of: id)
        }
        for (name, winner) in winners {
            guard let winner else {
                if object.attributes.contains(name) { try record(.removeAttribute(id, attribute: name)) }
                continue
            }
            guard let values = winner.values else {
                if !object.attributes.holdsAuthoritativeNull(name, contributor: winner.contributor) {
                    try record(.setAuthoritativeNull(id, attribute: name, contributor: winner.contributor))
                }
                continue
            }
            if !object.attributes.isEmpty
                && object.attributes.holds(name, values: values, contributor: winner.contributor)
            {
                continue
            }
            if unique.contains(name),
                let holder = duplicateHolder(
                    of: values.values, attribute: name, type: object.objectType, except: id)
            {
                let link = ConnectorSpaceLink(
                    connector: winner.contributor.connector, anchor: winner.contributor.anchor)
                erred.insert(link)
                try recordError(
                    link,
                    rule: winner.contributor.rule, code: "duplicate-value",
                    message:
                        "\(name) would duplicate the value held by metaverse object \(holder); \(name) must be unique"
                )
                continue
            }
            try record(.setAttribute(id, attribute: name, values: values, contributor: winner.contributor))
        }
        // Flow errors from earlier runs that did not happen again are resolved.
        for link in object.links where !erred.contains(link) {
            if let code = state.connectorSpaces[link.connector]?.errors[link.anchor]?.code,
                ["expression", "duplicate-value"].contains(code)
            {
                try record(.clearError(link))
            }
        }
    }

    /// Every attribute contributed or `held`, in name order, with its winner (`nil`: none contributed).
    /// `contributed` is sorted by target, and `held` ascending.
    static func winners(_ contributed: [(target: String, contribution: Contribution)], held: [String])
        -> [(name: String, winner: Contribution?)]
    {
        var winners: [(name: String, winner: Contribution?)] = []
        winners.reserveCapacity(Swift.max(contributed.count, held.count))
        var next = 0  // the next held name
        var start = 0
        while start < contributed.count {
            let target = contributed[start].target
            var end = start + 1
            while end < contributed.count && contributed[end].target == target { end += 1 }
            while next < held.count && held[next] < target {
                winners.append((held[next], nil))
                next += 1
            }
            if next < held.count && held[next] == target { next += 1 }
            winners.append(
                (target, end == start + 1 ? contributed[start].contribution : winner(contributed[start..<end])))
            start = end
        }
        while next < held.count {
            winners.append((held[next], nil))
            next += 1
        }
        return winners
    }

    /// The lowest-precedence contribution: values, or an AuthoritativeNull (which blocks rules of lower
    /// precedence). Ties go to the rule, connector and anchor that sort first.
    static func winner(_ contributions: ArraySlice<(target: String, contribution: Contribution)>) -> Contribution? {
        contributions.lazy.map(\.contribution).min {
            ($0.contributor.precedence, $0.contributor.rule, $0.contributor.connector, $0.contributor.anchor.rawValue)
                < (
                    $1.contributor.precedence, $1.contributor.rule, $1.contributor.connector,
                    $1.contributor.anchor.rawValue
                )
        }
    }

    mutating func duplicateHolder(
        of values: [AttributeValue], attribute: String, type: ObjectType, except id: MetaverseID
    ) -> MetaverseID? {
        for value in values {
            if let other = indexes.metaverse.objects(
                type: type, attribute: attribute, value: value, in: state.metaverse
            )
            .filter({ $0 != id }).min() {
                return other
            }
        }
        return nil
    }

    /// A connector-space object's values as inbound flows see them: references become references
    /// to metaverse objects (`mv:N`). A reference names an object of the same connector space
    /// or, failing that, of the first other space (by connector name) holding that anchor — so a
    /// groups file can name the people of an HR file. A reference whose target is not joined yet
    /// is left out until it is.
    func inboundValues(of object: ConnectorSpaceObject, connector: String) -> (String) -> [AttributeValue] {
        let spaces = state.connectorSpaces
        return { name in
            guard let values = object.attributes[name] else { return [] }
            guard values.contains(where: { $0.kind == .reference }) else { return values }
            return values.compactMap { value in
                guard case .reference(let anchor) = value else { return value }
                if let target = spaces[connector]?.objects[anchor] {
                    return target.metaverseID.map { .reference(MetaverseReference.anchor($0)) }
                }
                for other in spaces.keys.sorted() where other != connector {
                    if let target = spaces[other]?.objects[anchor], !target.isPendingAdd {
                        return target.metaverseID.map { .reference(MetaverseReference.anchor($0)) }
                    }
                }
                return nil
            }
        }
    }

    /// Expression errors never carry attribute values, so their text is safe to record.
    static func describe(_ error: any Error) -> String { String(describing: error) }
}
