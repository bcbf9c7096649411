import ConnectorKit

extension Synchronizer {
    /// Applies each outbound rule to a metaverse object: provision, join, update, rename, deprovision.
    mutating func synchronizeOutbound(_ id: MetaverseID) throws(EngineError) {
        guard let object = state.metaverse[id] else { return }
        let values: (String) -> [AttributeValue] = { object.values($0) }
        var handled = Set<String>()
        for rule in rules.outboundRules(for: object.objectType) where !handled.contains(rule.rule.connector) {
            let connector = rule.rule.connector
            let link = state.metaverse[id]!.links.first { $0.connector == connector }
            let inScope = rule.rule.scope.matches(values)
            guard inScope else {
                if let link { try deprovision(link, id: id, how: rule.rule.deprovision) }
                continue
            }
            handled.insert(connector)
            let desired: PackedAttributes
            let dn: String?
            do {
                let awaitsProvisioning: Bool
                (desired, awaitsProvisioning) = try outboundValues(rule, object: object, connector: connector)
                if awaitsProvisioning { referrersAwaitingProvisioning.insert(id) }
                dn = try rule.distinguishedName.flatMap { expression -> String? in
                    if case .values(let v) = try expression.evaluateFlow(values) { return v.first?.text }
                    return nil
                }
            } catch {
                let contributor = object.projectedBy ?? object.links.first!
                try recordError(
                    contributor, rule: rule.rule.name, code: "expression",
                    message: "outbound flow failed: \(Self.describe(error))")
                continue
            }
            if let link {
                try update(link, desired: desired, dn: dn, id: id)
                continue
            }
            switch try findOutboundJoin(rule, object: state.metaverse[id]!) {
            case .found(let existing):
                // An object the system already holds (an account created before Tandem): adopt it.
                try record(.join(existing, to: id))
                try update(existing, desired: desired, dn: dn, id: id)
                continue
            case .ambiguous:
                continue  // recorded as a sync error: neither join nor provision
            case .none:
                break
            }
            if rule.rule.provision {
                let provisional = ConnectorSpaceLink(
                    connector: connector, anchor: .provisional(connector: connector, id: id))
                try record(
                    .provision(provisional, objectType: rule.rule.targetType, distinguishedName: dn, metaverseID: id))
                try record(
                    .stageExport(
                        connector: connector,
                        PendingExport(
                            anchor: provisional.anchor, objectType: rule.rule.targetType,
                            operation: .add(distinguishedName: dn, attributes: desired.withoutEmptyAttributes()),
                            metaverseID: id)))
            }
        }
    }

    /// The values an outbound rule's flows give; `[]` for an attribute means "remove it".
    /// References to metaverse objects become the anchors of their objects in `connector`; `awaitsProvisioning`
    /// tells that some were left out because their object is not in `connector` yet, though a rule may
    /// provision it there.
    func outboundValues(_ rule: CompiledOutboundRule, object: MetaverseObject, connector: String) throws
        -> (values: PackedAttributes, awaitsProvisioning: Bool)
    {
        var awaitsProvisioning = false
        let source: (String) -> [AttributeValue] = { name in
            let values = object.values(name)
            guard values.contains(where: { $0.kind == .reference }) else { return values }
            return values.compactMap { value in
                guard case .reference(let anchor) = value, let target = MetaverseReference.id(anchor) else {
                    return value
                }
                let exported = exportedReference(to: target, connector: connector)
                if exported == nil, let object = state.metaverse[target],
                    !object.links.contains(where: { $0.connector == connector }),
                    rules.outboundRules(for: object.objectType).contains(where: {
                        $0.rule.connector == connector && $0.rule.provision
                    })
                {
                    awaitsProvisioning = true
                }
                return exported
            }
        }
        // Evaluated in the rule's order, packed in name order. A direct flow of plain values copies the
        // metaverse object's bytes, decoding nothing.
        var results = [EncodedValues?](repeating: nil, count: rule.flows.count)
        for (index, flow) in rule.flows.enumerated() {
            if let name = flow.expression.directSource, let encoded = object.attributes.plainValues(name) {
                results[index] = encoded
                continue
            }
            switch try flow.expression.evaluateFlow(source) {
            case .values(let values): results[index] = EncodedValues(values)
            case .authoritativeNull: results[index] = []
            case .null: break
            }
        }
        var winners: [(target: String, values: EncodedValues)] = []
        winners.reserveCapacity(rule.flowsByTarget.count)
        var capacity = 10  // the count
        for (target, flows) in rule.flowsByTarget {
            if let winner = flows.last(where: { results[$0] != nil }), let values = results[winner] {
                winners.append((target, values))
                capacity += target.utf8.count + 4 + values.byteCount
            }
        }
        var builder = PackedAttributes.Builder(count: winners.count, capacity: capacity)
        for (target, values) in winners { values.withUnsafeBufferPointer { builder.append(name: target, block: $0) } }
        return (builder.finish(), awaitsProvisioning)
    }

    /// Stages what differs between the desired values and what the connected system holds.
    mutating func update(_ link: ConnectorSpaceLink, desired: PackedAttributes, dn: String?, id: MetaverseID)
        throws(EngineError)
    {
        guard let object = state.connectorSpaces[link.connector]?.objects[link.anchor] else { return }
        let space = state.space(link.connector)
        if object.isPendingAdd {
            let add = PendingExport.Operation.add(distinguishedName: dn, attributes: desired.withoutEmptyAttributes())
            if space.pendingExports[link.anchor]?.operation != add {
                try record(
                    .stageExport(
                        connector: link.connector,
                        PendingExport(
                            anchor: link.anchor, objectType: object.objectType, operation: add, metaverseID: id)))
            }
            return
        }
        var changes: Attributes = [:]
        desired.forEachEncoded { name, block in
            if !object.attributes.holds(name, sameValuesAsEncoded: block) {
                changes[name] = PackedAttributes.decodeValues(block)
            }
        }
        // Values already exported and awaiting confirmation are not staged again until an import shows them.
        if case .update(let exported)? = space.unconfirmedExports[link.anchor] {
            changes = changes.filter { !(exported.contains($0.key) && exported.holds($0.key, sameValuesAs: $0.value)) }
        }
        if let dn, dn != object.distinguishedName, renamingConnectors.contains(link.connector),
            space.unconfirmedExports[link.anchor] != .rename(distinguishedName: dn)
        {
            let rename = PendingExport(
                anchor: link.anchor, objectType: object.objectType, operation: .rename(distinguishedName: dn),
                metaverseID: id)
            if space.pendingExports[link.anchor] != rename {
                try record(.stageExport(connector: link.connector, rename))
            }
            return  // the attribute update follows once the rename is confirmed
        }
        if changes.isEmpty {
            if let pending = space.pendingExports[link.anchor], case .update = pending.operation {
                try record(.clearExport(link))
            }
            return
        }
        let export = PendingExport(
            anchor: link.anchor, objectType: object.objectType, operation: .update(PackedAttributes(changes)),
            metaverseID: id)
        if space.pendingExports[link.anchor] != export { try record(.stageExport(connector: link.connector, export)) }
    }

    mutating func deprovision(_ link: ConnectorSpaceLink, id: MetaverseID, how: Deprovisioning) throws(EngineError) {
        guard let object = state.connectorSpaces[link.connector]?.objects[link.anchor] else {
            try record(.disconnect(link, from: id))
            return
        }
        if object.isPendingAdd || how == .disconnect {
            try record(.disconnect(link, from: id))
            return
        }
        let delete = PendingExport(
            anchor: link.anchor, objectType: object.objectType, operation: .delete, metaverseID: id)
        if state.space(link.connector).pendingExports[link.anchor] != delete,
            state.space(link.connector).unconfirmedExports[link.anchor] != .delete
        {
            try record(.stageExport(connector: link.connector, delete))
        }
        try record(.disconnect(link, from: id))
    }

    /// Before a metaverse object is deleted, every object it provisioned elsewhere is deprovisioned.
    mutating func deprovisionAll(_ id: MetaverseID) throws(EngineError) {
        guard let object = state.metaverse[id] else { return }
        for link in object.links {
            let rule = rules.outboundRules(for: object.objectType).first { $0.rule.connector == link.connector }
            try deprovision(link, id: id, how: rule?.rule.deprovision ?? .disconnect)
        }
    }

    /// The anchor a reference to metaverse object `target` is exported as in `connector`: its
    /// object there or, failing that, its object in the first connector (by name) that an outbound
    /// rule provisions it to — so a groups file can name the accounts of a directory file.
    ///
    /// An object in `connector` itself that is still to be added is named by its provisional anchor:
    /// the export writes the reference after that add, with the real anchor (see `ExportOrder`). In
    /// another connector the object must have been exported and confirmed; until then the reference
    /// waits (`nil`).
    func exportedReference(to target: MetaverseID, connector: String) -> AttributeValue? {
        guard let object = state.metaverse[target] else { return nil }
        func confirmed(in name: String) -> AttributeValue? {
            guard let link = object.links.first(where: { $0.connector == name }),
                state.connectorSpaces[name]?.objects[link.anchor]?.isPendingAdd == false
            else { return nil }
            return .reference(link.anchor)
        }
        if let link = object.links.first(where: { $0.connector == connector }) {
            return state.connectorSpaces[connector]?.objects[link.anchor] == nil ? nil : .reference(link.anchor)
        }
        let provisioned = Set(rules.outboundRules(for: object.objectType).map(\.rule.connector))
        for name in provisioned.sorted() { if let value = confirmed(in: name) { return value } }
        return nil
    }

    /// An unjoined object of the rule's connector and type whose attributes match the metaverse
    /// object's under one of the rule's join groups (tried in order; `source` names the
    /// connector-space attribute, `target` the metaverse attribute, as for inbound rules).
    /// A group matching several objects is an ambiguous join: nothing is joined or provisioned.
    enum OutboundJoin {
        case found(ConnectorSpaceLink)
        case ambiguous
        case none
    }

    mutating func findOutboundJoin(_ rule: CompiledOutboundRule, object: MetaverseObject) throws(EngineError)
        -> OutboundJoin
    {
        let connector = rule.rule.connector
        for group in rule.rule.join where !group.isEmpty {
            var candidates: Set<Anchor>?
            for condition in group {
                var matches = Set<Anchor>()
                for value in object.values(condition.target) {
                    matches.formUnion(
                        outboundJoinIndex(
                            connector: connector, type: rule.rule.targetType, attribute: condition.source)[
                                MetaverseIndex.normalize(value)] ?? [])
                }
                candidates = candidates.map { $0.intersection(matches) } ?? matches
                if candidates!.isEmpty { break }
            }
            let eligible = (candidates ?? []).filter {
                state.connectorSpaces[connector]?.objects[$0]?.metaverseID == nil
            }
            if eligible.count == 1 { return .found(ConnectorSpaceLink(connector: connector, anchor: eligible.first!)) }
            if eligible.count > 1 {
                let link = object.projectedBy ?? object.links.first!
                try recordError(
                    link, rule: rule.rule.name, code: "ambiguous-join",
                    message: "outbound join matches \(eligible.count) objects in \(connector); exactly one is needed")
                return .ambiguous
            }
        }
        return .none
    }

    /// Unjoined objects of a connector by normalized attribute value, built once per run and attribute.
    mutating func outboundJoinIndex(connector: String, type: ObjectType, attribute: String) -> [String: Set<Anchor>] {
        let key = "\(connector)\u{0}\(type.rawValue)\u{0}\(attribute)"
        if let index = outboundIndexes[key] { return index }
        var index: [String: Set<Anchor>] = [:]
        for object in state.space(connector).objects.values
        where object.objectType == type && object.metaverseID == nil && !object.isPendingAdd {
            for value in object.attributes[attribute] ?? [] {
                index[MetaverseIndex.normalize(value), default: []].insert(object.anchor)
            }
        }
        outboundIndexes[key] = index
        return index
    }
}
