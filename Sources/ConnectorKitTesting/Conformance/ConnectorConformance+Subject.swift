import ConnectorKit

extension ConnectorConformance {
    /// What a connected system supports, as its subject declares it; the suite checks the connector's
    /// capabilities agree.
    public struct Features: OptionSet, Hashable, Sendable {
        /// The features as bits.
        public var rawValue: Int
        /// Features from their bits.
        public init(rawValue: Int) { self.rawValue = rawValue }

        /// Delta import from a watermark.
        public static let deltaImport = Features(rawValue: 1 << 0)
        /// Export of deletes.
        public static let delete = Features(rawValue: 1 << 1)
        /// Export of renames (a new distinguished name).
        public static let rename = Features(rawValue: 1 << 2)
    }

    /// The connector under test and how to exercise it.
    public struct Subject: Sendable {
        /// A name for messages (`file (CSV)`, `ldap`).
        public var name: String
        /// Makes a connector on a fresh, empty system: no objects of ``objectType``.
        public var makeConnector: @Sendable () async throws -> any Connector
        /// The object type the suite adds.
        public var objectType: ObjectType
        /// At least three objects to add, of ``objectType``. An empty anchor lets the system assign one; an
        /// explicit anchor must be kept (and re-adding it must fail with `conflict`). Their values must round-trip
        /// exactly. The second and third should hold values of ``multiValuedAttribute``.
        public var templates: [ConnectorObject]
        /// A single-valued, optional string attribute the suite replaces.
        public var singleValuedAttribute: String
        /// A multi-valued string attribute for value-level adds and removes, or `nil` to skip those.
        public var multiValuedAttribute: String?
        /// A reference attribute (single- or multi-valued) pointing to objects of ``objectType``, or `nil`.
        public var referenceAttribute: String?
        /// What the system supports.
        public var features: Features
        /// The new distinguished name for renaming an object, required with ``Features/rename``.
        public var newDistinguishedName: (@Sendable (ConnectorObject) -> String)?

        /// A subject; see the properties.
        public init(
            name: String, objectType: ObjectType, templates: [ConnectorObject], singleValuedAttribute: String,
            multiValuedAttribute: String? = nil, referenceAttribute: String? = nil,
            features: Features = [.deltaImport, .delete],
            newDistinguishedName: (@Sendable (ConnectorObject) -> String)? = nil,
            makeConnector: @escaping @Sendable () async throws -> any Connector
        ) {
            self.name = name
            self.objectType = objectType
            self.templates = templates
            self.singleValuedAttribute = singleValuedAttribute
            self.multiValuedAttribute = multiValuedAttribute
            self.referenceAttribute = referenceAttribute
            self.features = features
            self.newDistinguishedName = newDistinguishedName
            self.makeConnector = makeConnector
        }
    }
}
