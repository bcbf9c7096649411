import ConnectorKit

/// The engine's copy of one object of a connected system.
public struct ConnectorSpaceObject: Hashable, Sendable {
    public var anchor: Anchor
    public var objectType: ObjectType
    public var distinguishedName: String?
    /// The values last imported (or, for an object Tandem provisioned and has not yet seen
    /// imported, the values it intends to export), packed (see ``PackedAttributes``).
    public var attributes: PackedAttributes
    /// The metaverse object this one is joined to, if any.
    public var metaverseID: MetaverseID?
    /// Provisioned by Tandem and not yet confirmed by an import: its anchor is provisional.
    public var isPendingAdd: Bool

    public init(
        anchor: Anchor, objectType: ObjectType, distinguishedName: String? = nil,
        attributes: PackedAttributes = PackedAttributes(), metaverseID: MetaverseID? = nil, isPendingAdd: Bool = false
    ) {
        self.anchor = anchor
        self.objectType = objectType
        self.distinguishedName = distinguishedName
        self.attributes = attributes
        self.metaverseID = metaverseID
        self.isPendingAdd = isPendingAdd
    }

    public init(_ object: ConnectorObject) {
        self.init(
            anchor: object.anchor, objectType: object.objectType, distinguishedName: object.distinguishedName,
            attributes: PackedAttributes(object.attributes))
    }

    public var connectorObject: ConnectorObject {
        ConnectorObject(
            anchor: anchor, objectType: objectType, distinguishedName: distinguishedName,
            attributes: attributes.dictionary)
    }
}

/// The metaverse's identity for one joined person or group. Assigned densely by the engine,
/// recorded in the journal, never reused.
public struct MetaverseID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ value: UInt64) { self.rawValue = value }
    public var description: String { "mv:\(rawValue)" }
    public static func < (lhs: MetaverseID, rhs: MetaverseID) -> Bool { lhs.rawValue < rhs.rawValue }
}
