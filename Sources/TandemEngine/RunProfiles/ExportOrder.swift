import ConnectorKit

/// The order in which one export run writes a connector's pending exports.
///
/// An export whose references name objects that are themselves pending adds of the same run (a group and its
/// new members, a person and a new manager) waits until those adds have an outcome, so the references can be
/// written with the anchors the system gave them: rounds are handed out in dependency order, each round in
/// anchor order, a page at a time. When every export left waits on another (a cycle of references), the first
/// add by anchor that others wait on goes alone, ahead of the adds it references: its own references to them
/// are then written by a follow-up update, which the export run appends once those adds took.
///
/// The order holds the run's exports once, as given: a round is the positions of its exports, and only a page
/// of them is copied out at a time, after which the order lets go of their values. A full sync stages a pending
/// add per person, so a copy of the whole run (or of a round as large as most of it), or the values of every
/// export written so far, would cost as much as the pending exports themselves.
///
/// A pure state machine: the export run asks for the ``next(upTo:)`` page, writes it, and ``settle(_:)``s each
/// export once its outcome is known (applied or failed), which frees the exports waiting on it.
struct ExportOrder {
    /// The run's exports by position; one handed out keeps its anchor and type, not its values.
    private var exports: [PendingExport]
    /// How many unsettled adds each export still waits on.
    private var waiting: [Int] = []
    private var issued: [Bool] = []
    /// Exports waiting on each unsettled add, by the add's provisional anchor.
    private var dependents: [Anchor: [Int]] = [:]
    /// Adds of this run not yet settled.
    private var unsettled: Set<Anchor> = []
    private var ready: [Int] = []
    /// The round being handed out, in anchor order, and how much of it is.
    private var round: [Int] = []
    private var handedOut = 0
    /// Exports before this index are all issued: where a cycle is looked for.
    private var firstUnissued = 0

    /// Orders `exports`, sorted by anchor.
    init(_ exports: [PendingExport]) {
        self.exports = exports
        for export in exports where export.isProvisionalAdd { unsettled.insert(export.anchor) }
        waiting.reserveCapacity(exports.count)
        issued.reserveCapacity(exports.count)
        for index in exports.indices { wait(index) }
    }

    /// Whether an add of this run has not been settled yet (it is still to be written, or being written).
    func isUnsettled(_ anchor: Anchor) -> Bool { unsettled.contains(anchor) }

    /// Adds an export to the run, written once the unsettled adds it references are settled.
    mutating func append(_ export: PendingExport) {
        exports.append(export)
        wait(exports.count - 1)
    }

    /// Notes what the export at `index` waits on; it is ready if nothing.
    private mutating func wait(_ index: Int) {
        let export = exports[index]
        issued.append(false)
        var count = 0
        for anchor in Set(export.provisionalReferences) where anchor != export.anchor && unsettled.contains(anchor) {
            dependents[anchor, default: []].append(index)
            count += 1
        }
        waiting.append(count)
        if count == 0 { ready.append(index) }
    }

    /// The next page of at most `limit` exports of the current round, in anchor order; once the round is handed
    /// out, a new one begins: the exports that wait on nothing, or when all that are left wait (a cycle), the
    /// first add by anchor that others wait on, alone. `nil` once every export has been handed out.
    mutating func next(upTo limit: Int) -> [PendingExport]? {
        precondition(limit > 0, "a page holds at least one export")
        if handedOut == round.count {
            guard let next = nextRound() else { return nil }
            round = next
            handedOut = 0
        }
        let page = round[handedOut..<handedOut + min(limit, round.count - handedOut)]
        handedOut = page.endIndex
        let handed = page.map { exports[$0] }
        // An export handed out is not read again: its values go, as the run restages the export as written
        // (references resolved) and this copy may be all that keeps the values it had.
        for index in page { exports[index].operation = .delete }
        return handed
    }

    /// The positions of the next round's exports, in anchor order, now marked issued; `nil` if none is left.
    private mutating func nextRound() -> [Int]? {
        var round = ready.filter { !issued[$0] }
        ready = []
        if round.isEmpty {
            while firstUnissued < exports.count && issued[firstUnissued] { firstUnissued += 1 }
            guard firstUnissued < exports.count else { return nil }
            // Everything left waits on an unsettled add, so following what waits on what leads to a cycle, whose
            // adds have exports waiting on them: the first such add breaks it.
            let breaker = (firstUnissued..<exports.count).first {
                !issued[$0] && exports[$0].isProvisionalAdd && dependents[exports[$0].anchor] != nil
            }
            round = [breaker ?? firstUnissued]
        }
        for index in round { issued[index] = true }
        return round.sorted { exports[$0].anchor < exports[$1].anchor }
    }

    /// Records that the export of `anchor` has an outcome: exports waiting only on it become ready.
    mutating func settle(_ anchor: Anchor) {
        guard unsettled.remove(anchor) != nil else { return }
        for index in dependents.removeValue(forKey: anchor) ?? [] {
            waiting[index] -= 1
            if waiting[index] == 0 && !issued[index] { ready.append(index) }
        }
    }
}

extension PendingExport {
    /// An add of an object Tandem provisioned: other exports may reference it by its provisional anchor.
    var isProvisionalAdd: Bool {
        if case .add = operation { return anchor.isProvisional }
        return false
    }

    /// The provisional anchors the export's values reference.
    var provisionalReferences: [Anchor] {
        let attributes: PackedAttributes
        switch operation {
        case .add(_, let values), .update(let values): attributes = values
        case .rename, .delete: return []
        }
        var anchors: [Anchor] = []
        attributes.forEachReference { anchor in
            if anchor.isProvisional { anchors.append(anchor) }
        }
        return anchors
    }
}
