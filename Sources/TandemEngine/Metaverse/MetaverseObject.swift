import ConnectorKit

/// Who set a metaverse attribute's value: the rule, the connector-space object it flowed from,
/// and the rule's precedence (lower wins).
///
/// A value type held by reference to one immutable record, so that a metaverse value takes one
/// pointer rather than three strings and a number: the attributes one rule flows from one object
/// share a single record (sync makes one per rule and object, the event decoder reuses the previous
/// decision's when it is equal). Equality, hashing and every encoding read the fields, never the
/// reference.
public struct Contributor: Hashable, Sendable {
    private final class Record: Sendable {
        let rule: String
        let connector: String
        let anchor: Anchor
        let precedence: Int

        init(rule: String, connector: String, anchor: Anchor, precedence: Int) {
            self.rule = rule
            self.connector = connector
            self.anchor = anchor
            self.precedence = precedence
        }
    }

    private var record: Record

    public init(rule: String, connector: String, anchor: Anchor, precedence: Int) {
        record = Record(rule: rule, connector: connector, anchor: anchor, precedence: precedence)
    }

    public var rule: String {
        get { record.rule }
        set { record = Record(rule: newValue, connector: connector, anchor: anchor, precedence: precedence) }
    }

    public var connector: String {
        get { record.connector }
        set { record = Record(rule: rule, connector: newValue, anchor: anchor, precedence: precedence) }
    }

    public var anchor: Anchor {
        get { record.anchor }
        set { record = Record(rule: rule, connector: connector, anchor: newValue, precedence: precedence) }
    }

    public var precedence: Int {
        get { record.precedence }
        set { record = Record(rule: rule, connector: connector, anchor: anchor, precedence: newValue) }
    }

    public static func == (lhs: Contributor, rhs: Contributor) -> Bool {
        lhs.record === rhs.record
            || (lhs.precedence == rhs.precedence && lhs.anchor == rhs.anchor && lhs.rule == rhs.rule
                && lhs.connector == rhs.connector)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(rule)
        hasher.combine(connector)
        hasher.combine(anchor)
        hasher.combine(precedence)
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
    public var attributes = MetaverseAttributes()
    /// The connector-space objects joined to this one.
    public var links = ConnectorSpaceLinks()
    /// The links that projected or joined through an inbound rule (their removal can delete the object).
    public var projectedBy: ConnectorSpaceLink?

    public init(id: MetaverseID, objectType: ObjectType) {
        self.id = id
        self.objectType = objectType
    }

    /// The values of `attribute` (empty if absent or authoritatively null).
    public func values(_ attribute: String) -> [AttributeValue] {
        attributes.values(of: attribute)
    }
}
