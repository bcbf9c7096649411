import ConnectorKit

extension InMemoryConnector {
    /// How a delta import reports what changed since its watermark.
    public enum DeltaStyle: Hashable, Sendable {
        /// Every change as it was made, in order (`.change(.add)`, `.change(.update)` with value-level
        /// attribute changes, `.change(.delete)`, `.change(.rename)`), like a change log.
        case changes
        /// The current state of each object changed since the watermark (`.object`), in anchor order, and a
        /// `.change(.delete)` for each that no longer exists, like SCIM or LDAP sync.
        case objects
    }

    /// What the in-memory system holds and enforces.
    public struct Options: Sendable {
        /// The object types the system holds; an add of another type fails with ``ConnectorError/Code/schema``.
        public var objectTypes: [ObjectType]
        /// An attribute that always holds an object's anchor as a string (like SCIM's `id`), or `nil` if
        /// anchors are not attributes. An add with an empty anchor takes its anchor from this attribute.
        public var anchorAttribute: String?
        /// Generated anchors are this prefix followed by 1, 2, 3, … (see ``InMemoryConnector``).
        public var anchorPrefix: String
        /// Attributes whose values must be unique among objects of the same type: an add or update that would
        /// repeat one fails with ``ConnectorError/Code/conflict``.
        public var uniqueAttributes: Set<String>
        /// Attributes whose values are references (anchors of other objects).
        public var referenceAttributes: Set<String>
        /// Whether a reference to an anchor the system does not hold fails with
        /// ``ConnectorError/Code/constraint`` (as LDAP's referential integrity would).
        public var checksReferences: Bool
        /// Whether delta import is offered.
        public var supportsDeltaImport: Bool
        /// How delta imports report changes.
        public var deltaStyle: DeltaStyle
        /// The export operations offered; others fail with ``ConnectorError/Code/unsupported``.
        public var exportOperations: Set<ConnectorCapabilities.ExportOperation>
        /// Items per import batch.
        public var pageSize: Int
        /// The schema reported; by default one object class per type, listing the special attributes.
        public var schema: ConnectorSchema?

        /// Options with the given settings; the defaults describe a forgiving system of `person` and
        /// `group` objects that supports everything.
        public init(
            objectTypes: [ObjectType] = ["person", "group"], anchorAttribute: String? = nil,
            anchorPrefix: String = "mem-", uniqueAttributes: Set<String> = [], referenceAttributes: Set<String> = [],
            checksReferences: Bool = false, supportsDeltaImport: Bool = true, deltaStyle: DeltaStyle = .changes,
            exportOperations: Set<ConnectorCapabilities.ExportOperation> = Set(
                ConnectorCapabilities.ExportOperation.allCases),
            pageSize: Int = 100, schema: ConnectorSchema? = nil
        ) {
            precondition(pageSize > 0, "pageSize must be positive")
            self.objectTypes = objectTypes
            self.anchorAttribute = anchorAttribute
            self.anchorPrefix = anchorPrefix
            self.uniqueAttributes = uniqueAttributes
            self.referenceAttributes = referenceAttributes
            self.checksReferences = checksReferences
            self.supportsDeltaImport = supportsDeltaImport
            self.deltaStyle = deltaStyle
            self.exportOperations = exportOperations
            self.pageSize = pageSize
            self.schema = schema
        }

        var capabilities: ConnectorCapabilities {
            ConnectorCapabilities(
                objectTypes: objectTypes, supportsDeltaImport: supportsDeltaImport,
                exportOperations: exportOperations, referenceAttributes: referenceAttributes, pageSize: pageSize)
        }

        var defaultSchema: ConnectorSchema {
            var attributes: [ConnectorSchema.Attribute] = []
            if let anchorAttribute { attributes.append(.init(anchorAttribute, required: true)) }
            for name in uniqueAttributes.sorted() where name != anchorAttribute { attributes.append(.init(name)) }
            for name in referenceAttributes.sorted() {
                attributes.append(.init(name, kind: .reference, multiValued: true, referencedTypes: objectTypes))
            }
            return ConnectorSchema(
                objectClasses: objectTypes.map {
                    .init($0, anchorAttribute: anchorAttribute ?? "anchor", attributes: attributes)
                })
        }
    }
}
