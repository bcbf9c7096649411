import ConnectorKit

/// Who set a metaverse attribute's value: the rule, the connector-space object it flowed from,
/// and the rule's precedence (lower wins).
public struct Contributor: Hashable, Sendable {
    public var rule: String
    public var connector: String
    public var anchor: Anchor
    public var precedence: Int

    public init(rule: String, connector: String, anchor: Anchor, precedence: Int) {
        self.rule = rule
        self.connector = connector
        self.anchor = anchor
        self.precedence = precedence
    }
}

/// One attribute of a metaverse object with the contributor of its current values.
public struct MetaverseValue: Hashable, Sendable {
    public var values: [AttributeValue]
    public var contributor: Contributor
    /// The value is an `AuthoritativeNull`: absent, and lower-precedence rules may not set it.
    public var isAuthoritativeNull: Bool

    public init(values: [AttributeValue], contributor: Contributor, isAuthoritativeNull: Bool = false) {
        self.values = values
        self.contributor = contributor
        self.isAuthoritativeNull = isAuthoritativeNull
    }
}

/// A reference to a connector-space object: which connector, which anchor.
public struct ConnectorSpaceLink: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var connector: String
    public var anchor: Anchor

    public init(connector: String, anchor: Anchor) {
        self.connector = connector
        self.anchor = anchor
    }

    public var description: String { "\(connector)/\(anchor)" }

    public static func < (lhs: ConnectorSpaceLink, rhs: ConnectorSpaceLink) -> Bool {
        (lhs.connector, lhs.anchor.rawValue) < (rhs.connector, rhs.anchor.rawValue)
    }
}

/// One joined person or group.
public struct MetaverseObject: Hashable, Sendable {
    public let id: MetaverseID
    public var objectType: ObjectType
    public var attributes: [String: MetaverseValue] = [:]
    /// The connector-space objects joined to this one.
    public var links: Set<ConnectorSpaceLink> = []
    /// The links that projected or joined through an inbound rule (their removal can delete the object).
    public var projectedBy: ConnectorSpaceLink?

    public init(id: MetaverseID, objectType: ObjectType) {
        self.id = id
        self.objectType = objectType
    }

    /// The values of `attribute` (empty if absent or authoritatively null).
    public func values(_ attribute: String) -> [AttributeValue] {
        guard let value = attributes[attribute], !value.isAuthoritativeNull else { return [] }
        return value.values
    }
}
