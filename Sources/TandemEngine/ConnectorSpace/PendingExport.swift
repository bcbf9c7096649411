import ConnectorKit

/// A change the engine wants to write to a connected system, staged by sync and confirmed by a
/// later import. An unconfirmed value is exported again.
public struct PendingExport: Hashable, Sendable {
    public enum Operation: Hashable, Sendable {
        /// Create the object with these values (`distinguishedName` if the system names objects).
        case add(distinguishedName: String?, attributes: PackedAttributes)
        /// Make these attributes hold exactly these values (an empty list removes the attribute).
        case update(PackedAttributes)
        /// Give the object a new name or location.
        case rename(distinguishedName: String)
        case delete
    }

    public var anchor: Anchor
    public var objectType: ObjectType
    public var operation: Operation
    /// The metaverse object the export comes from.
    public var metaverseID: MetaverseID?

    public init(anchor: Anchor, objectType: ObjectType, operation: Operation, metaverseID: MetaverseID?) {
        self.anchor = anchor
        self.objectType = objectType
        self.operation = operation
        self.metaverseID = metaverseID
    }

    public var isDelete: Bool {
        if case .delete = operation { return true }
        return false
    }
}

/// A sync error that quarantines one object until a later sync succeeds.
public struct SyncErrorRecord: Hashable, Sendable {
    public var rule: String?
    /// A short code: `ambiguous-join`, `duplicate-value`, `expression`, `export`, ….
    public var code: String
    /// What went wrong, without attribute values.
    public var message: String

    public init(rule: String?, code: String, message: String) {
        self.rule = rule
        self.code = code
        self.message = message
    }
}
