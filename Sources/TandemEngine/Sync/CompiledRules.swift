import ConnectorKit

/// What sync needs of a compiled attribute-flow expression.
package protocol FlowExpression: Sendable {
    /// The attributes the expression reads.
    var referencedAttributes: Set<String> { get }
    /// Evaluates against an object's attribute values.
    func evaluateFlow(_ source: (String) -> [AttributeValue]) throws -> FlowResult
    /// For a direct flow (`[name]`, whose result is the source's values of `name` with empty strings left out),
    /// `name`; `nil` for any other expression.
    var directSource: String? { get }
}

/// The outcome of one attribute flow.
package enum FlowResult: Hashable, Sendable {
    case values([AttributeValue])
    /// `NULL`: contributes nothing; a lower-precedence rule may set the attribute.
    case null
    /// `AuthoritativeNull`: the attribute is absent and lower-precedence rules may not set it.
    case authoritativeNull
}

/// Compiles flow expressions; the expression language lives in `Expressions/`.
package typealias FlowCompiler =
    @Sendable (_ source: String, _ rule: String, _ attribute: String) throws -> any FlowExpression

/// A rule with its expressions compiled once, evaluated for every object.
package struct CompiledFlow: Sendable {
    package var target: String
    package var expression: any FlowExpression
}

package struct CompiledInboundRule: Sendable {
    package var rule: InboundRule
    package var flows: [CompiledFlow]
    /// The positions in `flows` ordered by target (flows to one target in their order): sync evaluates them
    /// in this order, so that one rule's contributions come out sorted, ready to be set in name order.
    package let flowsInTargetOrder: [Int]

    package init(rule: InboundRule, flows: [CompiledFlow]) {
        self.rule = rule
        self.flows = flows
        flowsInTargetOrder = flows.indices.sorted { (flows[$0].target, $0) < (flows[$1].target, $1) }
    }
}

package struct CompiledOutboundRule: Sendable {
    package var rule: OutboundRule
    package var flows: [CompiledFlow]
    package var distinguishedName: (any FlowExpression)?
    /// The flows' targets ascending, each with its flows' positions in `flows` (a later flow with a result
    /// overrides an earlier one): how the desired values are packed without a dictionary.
    package let flowsByTarget: [(target: String, flows: [Int])]

    package init(rule: OutboundRule, flows: [CompiledFlow], distinguishedName: (any FlowExpression)?) {
        self.rule = rule
        self.flows = flows
        self.distinguishedName = distinguishedName
        flowsByTarget = Dictionary(grouping: flows.indices, by: { flows[$0].target })
            .sorted { $0.key < $1.key }
            .map { (target: $0.key, flows: $0.value) }
    }
}

/// The configuration's rules, compiled and grouped the way sync looks them up.
package struct CompiledRules: Sendable {
    package private(set) var inbound: [CompiledInboundRule]
    package private(set) var outbound: [CompiledOutboundRule]
    package private(set) var metaverse: [ObjectType: MetaverseTypeConfiguration]
    /// The lookups below, computed once: sync asks them for every object.
    private var inboundByConnectorAndType: [InboundKey: [CompiledInboundRule]] = [:]
    private var outboundByType: [ObjectType: [CompiledOutboundRule]] = [:]
    private var contributingByType: [ObjectType: Set<String>] = [:]

    private struct InboundKey: Hashable {
        var connector: String
        var type: ObjectType
    }

    package init(_ configuration: Configuration, compile: FlowCompiler) throws {
        func compileFlows(_ flows: [AttributeFlow], rule: String) throws -> [CompiledFlow] {
            try flows.map { CompiledFlow(target: $0.target, expression: try compile($0.expression, rule, $0.target)) }
        }
        // Lower precedence first; the name breaks ties, so the order never depends on the file's.
        inbound = try configuration.inboundRules.sorted { ($0.precedence, $0.name) < ($1.precedence, $1.name) }.map {
            CompiledInboundRule(rule: $0, flows: try compileFlows($0.flows, rule: $0.name))
        }
        outbound = try configuration.outboundRules.sorted { ($0.precedence, $0.name) < ($1.precedence, $1.name) }.map {
            rule in
            CompiledOutboundRule(
                rule: rule, flows: try compileFlows(rule.flows, rule: rule.name),
                distinguishedName: try rule.distinguishedName.map { try compile($0, rule.name, "dn") })
        }
        metaverse = configuration.metaverse
        // Grouped in rule order, so each lookup gives the same rules in the same order as filtering would.
        for rule in inbound {
            inboundByConnectorAndType[
                InboundKey(connector: rule.rule.connector, type: rule.rule.sourceType), default: []
            ]
            .append(rule)
            contributingByType[rule.rule.targetType, default: []].insert(rule.rule.connector)
        }
        for rule in outbound { outboundByType[rule.rule.sourceType, default: []].append(rule) }
    }

    /// The inbound rules reading objects of `type` in `connector`, in (precedence, name) order.
    package func inboundRules(connector: String, type: ObjectType) -> [CompiledInboundRule] {
        inboundByConnectorAndType[InboundKey(connector: connector, type: type)] ?? []
    }

    /// The outbound rules reading metaverse objects of `type`, in (precedence, name) order.
    package func outboundRules(for type: ObjectType) -> [CompiledOutboundRule] {
        outboundByType[type] ?? []
    }

    /// Connectors whose objects can contribute to metaverse objects of `type`.
    package func contributingConnectors(for type: ObjectType) -> Set<String> {
        contributingByType[type] ?? []
    }
}
