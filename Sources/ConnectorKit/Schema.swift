/// What a connected system holds: its object types and their attributes.
public struct ConnectorSchema: Hashable, Sendable {
    public struct Attribute: Hashable, Sendable {
        public var name: String
        public var kind: AttributeKind
        public var isMultiValued: Bool
        public var isRequired: Bool
        /// For references: the object types a value may point to.
        public var referencedTypes: [ObjectType]

        public init(
            _ name: String, kind: AttributeKind = .string, multiValued: Bool = false, required: Bool = false,
            referencedTypes: [ObjectType] = []
        ) {
            self.name = name
            self.kind = kind
            self.isMultiValued = multiValued
            self.isRequired = required
            self.referencedTypes = referencedTypes
        }
    }

    public struct ObjectClass: Hashable, Sendable {
        public var objectType: ObjectType
        /// The attribute the anchor comes from (e.g. `entryUUID`, `id`, `employeeId`).
        public var anchorAttribute: String
        public var attributes: [Attribute]

        public init(_ objectType: ObjectType, anchorAttribute: String, attributes: [Attribute]) {
            self.objectType = objectType
            self.anchorAttribute = anchorAttribute
            self.attributes = attributes
        }

        public func attribute(_ name: String) -> Attribute? { attributes.first { $0.name == name } }
    }

    public var objectClasses: [ObjectClass]

    public init(objectClasses: [ObjectClass]) {
        self.objectClasses = objectClasses
    }

    public func objectClass(_ type: ObjectType) -> ObjectClass? { objectClasses.first { $0.objectType == type } }
}

/// What a connector can do; the engine plans runs from it.
public struct ConnectorCapabilities: Hashable, Sendable {
    public enum ExportOperation: String, Hashable, Sendable, CaseIterable {
        case add, update, delete, rename
    }

    public var objectTypes: [ObjectType]
    /// Whether ``Connector/importObjects(_:)`` can import only what changed since a watermark.
    public var supportsDeltaImport: Bool
    public var exportOperations: Set<ExportOperation>
    /// Attributes whose values are references to other objects of the same system.
    public var referenceAttributes: Set<String>
    /// How many objects the connector prefers per import batch and per export call.
    public var pageSize: Int

    public init(
        objectTypes: [ObjectType], supportsDeltaImport: Bool, exportOperations: Set<ExportOperation>,
        referenceAttributes: Set<String> = [], pageSize: Int = 1000
    ) {
        self.objectTypes = objectTypes
        self.supportsDeltaImport = supportsDeltaImport
        self.exportOperations = exportOperations
        self.referenceAttributes = referenceAttributes
        self.pageSize = pageSize
    }
}
