import ConnectorKit

/// One attribute flow of a rule: the target attribute and the expression computing it.
public struct AttributeFlow: Hashable, Sendable {
    public var target: String
    /// The expression's source text, e.g. `Trim([givenName] & " " & [surname])`.
    public var expression: String
    /// Where it was written, for error messages (`rules[0].flows.displayName (line 31)`).
    public var location: String

    public init(target: String, expression: String, location: String = "") {
        self.target = target
        self.expression = expression
        self.location = location
    }
}

/// A join condition: a connector-space attribute equals a metaverse attribute.
public struct JoinCondition: Hashable, Sendable {
    public var source: String
    public var target: String

    public init(source: String, target: String) {
        self.source = source
        self.target = target
    }
}

/// A rule from connector space to metaverse.
public struct InboundRule: Hashable, Sendable {
    public var name: String
    public var connector: String
    /// The connector-space object type the rule reads.
    public var sourceType: ObjectType
    /// The metaverse object type it joins or projects to.
    public var targetType: ObjectType
    /// Lower wins when several rules flow the same metaverse attribute.
    public var precedence: Int
    public var scope: ScopingFilter
    /// Groups tried in order; the first group that finds exactly one metaverse object joins.
    public var join: [[JoinCondition]]
    /// Project a new metaverse object when no join matches.
    public var projection: Bool
    public var flows: [AttributeFlow]

    public init(
        name: String, connector: String, sourceType: ObjectType, targetType: ObjectType, precedence: Int,
        scope: ScopingFilter = ScopingFilter(), join: [[JoinCondition]] = [], projection: Bool = false,
        flows: [AttributeFlow] = []
    ) {
        self.name = name
        self.connector = connector
        self.sourceType = sourceType
        self.targetType = targetType
        self.precedence = precedence
        self.scope = scope
        self.join = join
        self.projection = projection
        self.flows = flows
    }
}

/// What happens to a connector-space object when its metaverse object leaves the rule's scope or is deleted.
public enum Deprovisioning: String, Hashable, Sendable {
    /// Delete the object in the connected system.
    case delete
    /// Leave it there, no longer managed.
    case disconnect
}

/// A rule from metaverse to connector space.
public struct OutboundRule: Hashable, Sendable {
    public var name: String
    public var connector: String
    /// The metaverse object type the rule reads.
    public var sourceType: ObjectType
    /// The connector-space object type it writes.
    public var targetType: ObjectType
    public var precedence: Int
    public var scope: ScopingFilter
    /// How an existing connector-space object is found for a metaverse object that has none linked.
    public var join: [[JoinCondition]]
    /// Create the object in the connected system if none joins.
    public var provision: Bool
    public var deprovision: Deprovisioning
    /// The expression computing the object's DN (systems that name objects, like LDAP); `nil` otherwise.
    public var distinguishedName: String?
    /// The connector-space attribute that holds the anchor of a provisioned object, for systems
    /// where Tandem chooses it (the file connector's anchor column); `nil` if the system assigns it.
    public var flows: [AttributeFlow]

    public init(
        name: String, connector: String, sourceType: ObjectType, targetType: ObjectType, precedence: Int = 100,
        scope: ScopingFilter = ScopingFilter(), join: [[JoinCondition]] = [], provision: Bool = false,
        deprovision: Deprovisioning = .disconnect, distinguishedName: String? = nil, flows: [AttributeFlow] = []
    ) {
        self.name = name
        self.connector = connector
        self.sourceType = sourceType
        self.targetType = targetType
        self.precedence = precedence
        self.scope = scope
        self.join = join
        self.provision = provision
        self.deprovision = deprovision
        self.distinguishedName = distinguishedName
        self.flows = flows
    }
}
