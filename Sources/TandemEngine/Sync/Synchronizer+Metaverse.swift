import ConnectorKit

extension Synchronizer {
    /// One contribution to a metaverse attribute: a flow of an in-scope rule on a linked object.
    struct Contribution {
        var contributor: Contributor
        var result: FlowResult
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
        var contributions: [String: [Contribution]] = [:]
        var failed = Set<String>()  // attributes whose flow failed: keep their current value
        var erred = Set<ConnectorSpaceLink>()
        for link in object.links.sorted() {
            guard let source = state.connectorSpaces[link.connector]?.objects[link.anchor], !source.isPendingAdd else {
                continue
            }
            let values = inboundValues(of: source, connector: link.connector)
            for rule in rules.inboundRules(connector: link.connector, type: source.objectType)
            where rule.rule.targetType == object.objectType && rule.rule.scope.matches({ source.attributes[$0] ?? [] })
            {
                // One record for all of the rule's flows from this object (see ``Contributor``).
                let contributor = Contributor(
                    rule: rule.rule.name, connector: link.connector, anchor: link.anchor,
                    precedence: rule.rule.precedence)
                if contributions.isEmpty { contributions.reserveCapacity(rule.flows.count) }
                for flow in rule.flows {
                    do {
                        let result = try flow.expression.evaluateFlow(values)
                        contributions[flow.target, default: []].append(
                            Contribution(contributor: contributor, result: result))
                    } catch {
                        failed.insert(flow.target)
                        erred.insert(link)
                        try recordError(
                            link, rule: rule.rule.name, code: "expression",
                            message: "flow to \(flow.target) failed: \(Self.describe(error))")
                    }
                }
            }
        }
        let unique = rules.metaverse[object.objectType]?.unique ?? []  // a few names: no set needed
        // Every attribute contributed or held, in name order, except those whose flow failed.
        var names = Array(contributions.keys)
        for name in object.attributes.keys where contributions[name] == nil { names.append(name) }
        names.sort()
        let winners = names.filter { failed.isEmpty || !failed.contains($0) }.map {
            (name: $0, winner: Self.winner(contributions[$0] ?? []))
        }
        // A new object's attributes are set one by one: size its buffer once, exactly, instead of growing it.
        if object.attributes.isEmpty && names.count > 1 {
            var bytes = 0
            for case (let name, let winner?) in winners {
                switch winner.result {
                case .values(let values): bytes += MetaverseAttributes.encodedSize(name, values: values)
                case .authoritativeNull: bytes += MetaverseAttributes.encodedSize(name, values: [])
                case .null: break
                }
            }
            reserveAttributes(names.count, bytes: bytes, of: id)
        }
        for (name, winner) in winners {
            guard let winner else {
                if object.attributes.contains(name) { try record(.removeAttribute(id, attribute: name)) }
                continue
            }
            switch winner.result {
            case .authoritativeNull:
                if !object.attributes.holdsAuthoritativeNull(name, contributor: winner.contributor) {
                    try record(.setAuthoritativeNull(id, attribute: name, contributor: winner.contributor))
                }
            case .values(let values):
                if !object.attributes.isEmpty
                    && object.attributes.holds(name, values: values, contributor: winner.contributor)
                {
                    continue
                }
                if unique.contains(name),
                    let holder = duplicateHolder(of: values, attribute: name, type: object.objectType, except: id)
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
            case .null:
                break
            }
        }
        // Flow errors from earlier runs that did not happen again are resolved.
        for link in object.links.sorted() where !erred.contains(link) {
            if let code = state.connectorSpaces[link.connector]?.errors[link.anchor]?.code,
                ["expression", "duplicate-value"].contains(code)
            {
                try record(.clearError(link))
            }
        }
    }

    /// The lowest-precedence contribution that says something: values, or an AuthoritativeNull
    /// (which blocks rules of lower precedence). `NULL` and empty results contribute nothing.
    static func winner(_ contributions: [Contribution]) -> Contribution? {
        // One contributor is the common case (one rule flows each attribute): nothing to order.
        if contributions.count == 1 {
            switch contributions[0].result {
            case .authoritativeNull: return contributions[0]
            case .values(let values) where !values.isEmpty: return contributions[0]
            default: return nil
            }
        }
        let ordered = contributions.sorted {
            ($0.contributor.precedence, $0.contributor.rule, $0.contributor.connector, $0.contributor.anchor.rawValue)
                < (
                    $1.contributor.precedence, $1.contributor.rule, $1.contributor.connector,
                    $1.contributor.anchor.rawValue
                )
        }
        for contribution in ordered {
            switch contribution.result {
            case .authoritativeNull: return contribution
            case .values(let values) where !values.isEmpty: return contribution
            default: continue
            }
        }
        return nil
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
