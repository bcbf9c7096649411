import ConnectorKit

@testable import TandemEngine

/// SplitMix64: deterministic randomness, so a failing seed reproduces.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Generates random engine events that are valid against the state they are applied to.
struct RandomEngineEvents {
    var random: SeededRandom
    var state = EngineState()
    private var nextRun: UInt64 = 1
    private var nextAnchor = 1
    let connectors = ["hr", "directory", "cloud"]

    init(seed: UInt64) { random = SeededRandom(seed: seed) }

    mutating func value() -> AttributeValue {
        switch Int.random(in: 0..<6, using: &random) {
        case 0: .string(["Ada", "Grace", "ünïcode ✓", "", "a,b;c"].randomElement(using: &random)!)
        case 1: .integer(Int64.random(in: -1_000_000...1_000_000, using: &random))
        case 2: .boolean(Bool.random(using: &random))
        case 3:
            .binary((0..<Int.random(in: 0...20, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) })
        case 4: .date(microsecondsSince1970: Int64.random(in: -10_000_000...2_000_000_000_000_000, using: &random))
        default: .reference(Anchor("A\(Int.random(in: 1...50, using: &random))"))
        }
    }

    mutating func attributes() -> Attributes {
        var result: Attributes = [:]
        for name in ["mail", "givenName", "member", "department", "photo"] where Bool.random(using: &random) {
            result[name] = (0..<Int.random(in: 1...3, using: &random)).map { _ in value() }
        }
        return result
    }

    /// The next event (already applied to ``state``).
    mutating func next() throws -> EngineEvent {
        let event = make()
        try state.apply(event, seq: state.lastSeq + 1, timeMicroseconds: Int64(state.lastSeq + 1) * 1000)
        return event
    }

    private func anchors(_ connector: String) -> [Anchor] { state.space(connector).objects.keys.sorted() }

    private mutating func make() -> EngineEvent {
        let connector = connectors.randomElement(using: &random)!
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<35:
            var changes: [ConnectorSpaceChange] = []
            var existing = anchors(connector)
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                switch Int.random(in: 0..<11, using: &random) {
                case 0..<5:
                    let anchor = Anchor("A\(nextAnchor)")
                    nextAnchor += 1
                    changes.append(
                        .upsert(
                            ImportedObject(
                                anchor: anchor, objectType: "person", distinguishedName: "uid=\(anchor)",
                                attributes: PackedAttributes(attributes()))))
                    existing.append(anchor)
                case 5..<7 where !existing.isEmpty:
                    changes.append(
                        .update(
                            anchor: existing.randomElement(using: &random)!,
                            changes: [.replace("mail", [value()]), .add("member", [value()])]))
                case 7 where !existing.isEmpty:
                    changes.append(
                        .rename(
                            anchor: existing.randomElement(using: &random)!,
                            distinguishedName: "uid=renamed\(nextAnchor)"))
                case 8 where !existing.isEmpty:
                    let anchor = existing.randomElement(using: &random)!
                    changes.append(.delete(anchor: anchor))
                    existing.removeAll { $0 == anchor }
                case 9 where !existing.isEmpty:
                    changes.append(.confirm(anchor: existing.randomElement(using: &random)!))
                default:
                    if let anchor = existing.randomElement(using: &random) {
                        changes.append(
                            .upsert(
                                ImportedObject(
                                    ConnectorObject(anchor: anchor, objectType: "person", attributes: attributes()))))
                    }
                }
            }
            let watermark = Bool.random(using: &random) ? Watermark("w\(state.lastSeq)") : nil
            return .objectsImported(
                ObjectsImported(runID: nextRun, connector: connector, changes: changes, watermark: watermark))
        case 35..<70:
            return .syncDecisions(SyncDecisions(runID: nextRun, decisions: decisions()))
        case 70..<80:
            let pending = state.space(connector).pendingExports.keys.sorted()
            guard !pending.isEmpty else { return .restorePoint(name: "before-\(state.lastSeq)") }
            var results: [(anchor: Anchor, outcome: ExportOutcome)] = []
            for anchor in pending where Bool.random(using: &random) {
                if Bool.random(using: &random) {
                    let isAdd =
                        if case .add = state.space(connector).pendingExports[anchor]!.operation { true } else { false }
                    let newAnchor = isAdd && Bool.random(using: &random) ? Anchor("S\(nextAnchor)") : anchor
                    nextAnchor += 1
                    results.append((anchor, .applied(anchor: newAnchor)))
                } else {
                    results.append((anchor, .failed(code: "conflict", message: "uniqueness")))
                }
            }
            return .exportResults(ExportResults(runID: nextRun, connector: connector, results: results))
        case 80..<88:
            nextRun += 1
            return .runStarted(
                RunStarted(
                    runID: nextRun, connector: Bool.random(using: &random) ? connector : nil,
                    profile: RunProfile.allCases.randomElement(using: &random)!))
        case 88..<94:
            guard let run = state.runs.last(where: { $0.status == nil }) else {
                return .epochStarted(epoch: state.epoch + 1)
            }
            var statistics = RunStatistics()
            statistics.adds = Int.random(in: 0...100, using: &random)
            statistics.errors = Int.random(in: 0...3, using: &random)
            return .runFinished(
                RunFinished(
                    runID: run.runID, status: RunStatus.allCases.randomElement(using: &random)!, statistics: statistics,
                    message: "done"))
        case 94..<97:
            let held = state.space(connector).heldDeletes.sorted()
            return .deletesApproved(DeletesApproved(connector: connector, anchors: Array(held.prefix(2))))
        default:
            return .configurationApplied(
                ConfigurationApplied(versionHash: "h\(state.lastSeq)", summary: "{\"connectors\":[]}"))
        }
    }

    private mutating func decisions() -> [SyncDecision] {
        var result: [SyncDecision] = []
        var scratch = state
        for _ in 0..<Int.random(in: 1...8, using: &random) {
            let connector = connectors.randomElement(using: &random)!
            let space = scratch.space(connector)
            let unlinked = space.objects.values.filter { $0.metaverseID == nil }.map(\.anchor).sorted()
            let linked = space.objects.values.filter { $0.metaverseID != nil }.map(\.anchor).sorted()
            let mvIDs = scratch.metaverse.keys.sorted()
            var decision: SyncDecision?
            switch Int.random(in: 0..<12, using: &random) {
            case 0 where !unlinked.isEmpty:
                decision = .project(
                    MetaverseID(scratch.nextMetaverseID), objectType: "person",
                    from: ConnectorSpaceLink(connector: connector, anchor: unlinked.randomElement(using: &random)!))
            case 1 where !unlinked.isEmpty && !mvIDs.isEmpty:
                decision = .join(
                    ConnectorSpaceLink(connector: connector, anchor: unlinked.randomElement(using: &random)!),
                    to: mvIDs.randomElement(using: &random)!)
            case 2 where !linked.isEmpty:
                let anchor = linked.randomElement(using: &random)!
                decision = .disconnect(
                    ConnectorSpaceLink(connector: connector, anchor: anchor), from: space.objects[anchor]!.metaverseID!)
            case 3 where !mvIDs.isEmpty, 4 where !mvIDs.isEmpty:
                let contributor = Contributor(
                    rule: "HR in", connector: connector, anchor: "A1",
                    precedence: Int.random(in: 0...100, using: &random))
                decision = .setAttribute(
                    mvIDs.randomElement(using: &random)!,
                    attribute: ["mail", "displayName", "manager"].randomElement(using: &random)!, values: [value()],
                    contributor: contributor)
            case 5 where !mvIDs.isEmpty:
                decision = .setAuthoritativeNull(
                    mvIDs.randomElement(using: &random)!, attribute: "mail",
                    contributor: Contributor(rule: "null", connector: connector, anchor: "A2", precedence: 1))
            case 6 where !mvIDs.isEmpty:
                let id = mvIDs.randomElement(using: &random)!
                if let attribute = scratch.metaverse[id]!.attributes.keys.sorted().first {
                    decision = .removeAttribute(id, attribute: attribute)
                }
            case 7 where !mvIDs.isEmpty:
                decision = .deleteMetaverseObject(mvIDs.randomElement(using: &random)!)
            case 8 where !mvIDs.isEmpty:
                let anchor = Anchor("P\(nextAnchor)")
                nextAnchor += 1
                decision = .provision(
                    ConnectorSpaceLink(connector: connector, anchor: anchor), objectType: "inetOrgPerson",
                    distinguishedName: "uid=\(anchor),dc=example", metaverseID: mvIDs.randomElement(using: &random)!)
            case 9 where !(linked + unlinked).isEmpty:
                let anchor = (linked + unlinked).randomElement(using: &random)!
                let object = space.objects[anchor]!
                let operation: PendingExport.Operation =
                    switch Int.random(in: 0..<4, using: &random) {
                    case 0 where object.isPendingAdd:
                        .add(distinguishedName: object.distinguishedName, attributes: PackedAttributes(attributes()))
                    case 1: .delete
                    case 2: .rename(distinguishedName: "uid=moved\(nextAnchor)")
                    default: .update(["mail": [value()], "department": []])
                    }
                decision = .stageExport(
                    connector: connector,
                    PendingExport(
                        anchor: anchor, objectType: object.objectType, operation: operation,
                        metaverseID: object.metaverseID))
            case 10 where !(linked + unlinked).isEmpty:
                let link = ConnectorSpaceLink(
                    connector: connector, anchor: (linked + unlinked).randomElement(using: &random)!)
                decision =
                    Bool.random(using: &random)
                    ? .recordError(
                        link, SyncErrorRecord(rule: "HR in", code: "duplicate-value", message: "mail is not unique"))
                    : .holdDelete(link)
            case 11 where !space.errors.isEmpty:
                decision = .clearError(
                    ConnectorSpaceLink(connector: connector, anchor: space.errors.keys.sorted().first!))
            default:
                break
            }
            if let decision, (try? scratch.apply(decision, seq: 0)) != nil { result.append(decision) }
        }
        return result.isEmpty ? [.clearExport(ConnectorSpaceLink(connector: "hr", anchor: "none"))] : result
    }
}
