import ConnectorKit

/// A what-if sync: a candidate rule set applied to the current connector spaces, in memory,
/// compared with the current rules applied the same way. Nothing is journaled or exported.
public struct WhatIfReport: Sendable {
    public var connectors: [ConnectorDifferences]

    /// The exports one connector would get that differ from today's.
    public struct ConnectorDifferences: Sendable {
        public var connector: String
        public var differences: [ExportDifference]
        /// The candidate's deletes exceed the deletion threshold: a real export would hold them.
        public var deletesWouldBeHeld: Bool

        public var adds: [ExportDifference] { differences.filter { $0.operation == .add } }
        public var updates: [ExportDifference] { differences.filter { $0.operation == .update } }
        public var deletes: [ExportDifference] { differences.filter { $0.operation == .delete } }
    }

    /// One export that the candidate makes differently.
    public struct ExportDifference: Sendable, Hashable {
        public enum Operation: String, Sendable, Hashable {
            case add, update, rename, delete
            /// Today's rules export something here; the candidate's do not.
            case none
        }

        public var anchor: Anchor
        public var objectType: ObjectType
        /// What the candidate would export (`.none`: nothing).
        public var operation: Operation
        /// What today's rules would export.
        public var todayOperation: Operation
        /// Per attribute: today's value (exported, or else held in the connector space) and the candidate's.
        public var attributes: [AttributeDifference]
    }

    public struct AttributeDifference: Sendable, Hashable {
        public var attribute: String
        public var today: [AttributeValue]
        public var candidate: [AttributeValue]
    }
}

/// Computes ``WhatIfReport``s.
public enum WhatIf {
    /// Applies `candidate`'s rules and `current`'s rules to `state` (a full sync of every connector
    /// each) and returns the exports that differ.
    public static func compare(state: EngineState, current: Configuration, candidate: Configuration) throws
        -> WhatIfReport
    {
        let today = try synchronized(state, current)
        let proposed = try synchronized(state, candidate)
        var connectors: [WhatIfReport.ConnectorDifferences] = []
        let names = Set(today.connectorSpaces.keys).union(proposed.connectorSpaces.keys).sorted()
        for name in names {
            let a = today.space(name)
            let b = proposed.space(name)
            var differences: [WhatIfReport.ExportDifference] = []
            for anchor in Set(a.pendingExports.keys).union(b.pendingExports.keys).sorted() {
                let mine = a.pendingExports[anchor]
                let theirs = b.pendingExports[anchor]
                guard mine != theirs else { continue }
                let held = state.space(name).objects[anchor]?.attributes ?? [:]
                let todayValues = mine.map { attributes(of: $0.operation) } ?? [:]
                let candidateValues = theirs.map { attributes(of: $0.operation) } ?? [:]
                var rows: [WhatIfReport.AttributeDifference] = []
                for attribute in Set(todayValues.keys).union(candidateValues.keys).sorted() {
                    let before = todayValues[attribute] ?? held[attribute] ?? []
                    let after = candidateValues[attribute] ?? held[attribute] ?? []
                    if before != after { rows.append(.init(attribute: attribute, today: before, candidate: after)) }
                }
                differences.append(
                    .init(
                        anchor: anchor, objectType: (theirs ?? mine)!.objectType, operation: kind(theirs),
                        todayOperation: kind(mine), attributes: rows))
            }
            let deletes = b.pendingExports.values.filter { $0.isDelete && !b.approvedDeletes.contains($0.anchor) }
            let held = candidate.deletionThreshold.isExceeded(deletes: deletes.count, total: b.objects.count)
            if !differences.isEmpty {
                connectors.append(.init(connector: name, differences: differences, deletesWouldBeHeld: held))
            }
        }
        return WhatIfReport(connectors: connectors)
    }

    static func synchronized(_ state: EngineState, _ configuration: Configuration) throws -> EngineState {
        let rules = try CompiledRules(configuration, compile: ExpressionLanguage.flowCompiler)
        var working = state
        for connector in configuration.connectors {
            var synchronizer = Synchronizer(state: working, rules: rules, errorLimit: configuration.errorLimit)
            try synchronizer.synchronize(connector: connector.name, full: true)
            working = synchronizer.state
        }
        return working
    }

    static func kind(_ export: PendingExport?) -> WhatIfReport.ExportDifference.Operation {
        switch export?.operation {
        case .add: .add
        case .update: .update
        case .rename: .rename
        case .delete: .delete
        case nil: .none
        }
    }

    static func attributes(of operation: PendingExport.Operation) -> Attributes {
        switch operation {
        case .add(_, let attributes), .update(let attributes): attributes.dictionary
        case .rename, .delete: [:]
        }
    }
}
