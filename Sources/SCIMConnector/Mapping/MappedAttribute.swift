import ConnectorKit

/// One Tandem attribute and where it lives in a SCIM resource.
///
/// SCIM resources are trees; Tandem's attributes are flat. The flattening is fixed so that rules can name
/// attributes plainly: core simple attributes keep their names (`userName`, `active`); sub-attributes of a
/// single complex attribute are dotted (`name.givenName`); a multi-valued complex attribute is the list of its
/// `value`s (`emails`, `members`); a complex attribute that points to another resource (`manager`, `members`)
/// holds references, whose anchors are the SCIM ids; extension attributes keep their short names
/// (`employeeNumber`, `department`) unless that clashes with a core name, then they are written in full
/// (`urn:…:User:title`).
struct MappedAttribute: Hashable, Sendable {
    enum Shape: Hashable, Sendable {
        /// `"title": "x"`.
        case simple
        /// `"name": {"givenName": "x"}`.
        case subAttribute(String)
        /// `"tags": ["x", "y"]`.
        case multiValuedSimple
        /// `"emails": [{"value": "x"}]`, `"members": [{"value": "id"}]`.
        case multiValuedComplex
        /// `"manager": {"value": "id"}`.
        case singleComplexValue
    }

    /// The Tandem attribute name.
    var name: String
    /// The extension's schema URN; `nil` for the core schema.
    var extensionURN: String?
    /// The top-level attribute's name in its schema.
    var scimName: String
    var shape: Shape
    var kind: AttributeKind
    var isWritable: Bool
    var isRequired: Bool
    /// For references: the resource types a value may point to.
    var referencedTypes: [String]

    var isMultiValued: Bool { shape == .multiValuedSimple || shape == .multiValuedComplex }

    /// The attribute path in PATCH operations (RFC 7644 §3.5.2).
    var patchPath: String {
        var path = extensionURN.map { $0 + ":" + scimName } ?? scimName
        if case .subAttribute(let sub) = shape { path += "." + sub }
        return path
    }
}

/// The flattened attributes of one resource type.
struct ResourceMapping: Sendable {
    var resourceType: SCIMResourceType
    var attributes: [MappedAttribute]
    private var byName: [String: MappedAttribute]

    init(_ resourceType: SCIMResourceType, schema: SCIMSchema) {
        self.resourceType = resourceType
        var attributes: [MappedAttribute] = [
            MappedAttribute(
                name: "externalId", extensionURN: nil, scimName: "externalId", shape: .simple, kind: .string,
                isWritable: true, isRequired: false, referencedTypes: [])
        ]
        let resourceNames = Set(schema.resourceTypes.map(\.name))
        for urn in [resourceType.schema] + resourceType.extensions {
            let isCore = urn == resourceType.schema
            for definition in schema.schemas[urn] ?? [] {
                for var mapped in Self.flatten(definition, resourceNames: resourceNames) {
                    if !isCore {
                        mapped.extensionURN = urn
                        if attributes.contains(where: { $0.name == mapped.name }) {
                            mapped.name = urn + ":" + mapped.name
                        }
                    }
                    attributes.append(mapped)
                }
            }
        }
        self.attributes = attributes
        self.byName = Dictionary(attributes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    func attribute(_ name: String) -> MappedAttribute? { byName[name] }

    var referenceAttributes: [MappedAttribute] { attributes.filter { $0.kind == .reference } }

    private static func flatten(_ definition: SCIMAttributeDefinition, resourceNames: Set<String>) -> [MappedAttribute]
    {
        let writable = definition.mutability != .readOnly
        func mapped(_ name: String, _ shape: MappedAttribute.Shape, _ kind: AttributeKind, references: [String] = [])
            -> MappedAttribute
        {
            MappedAttribute(
                name: name, extensionURN: nil, scimName: definition.name, shape: shape, kind: kind,
                isWritable: writable, isRequired: definition.required, referencedTypes: references)
        }
        guard definition.type == .complex else {
            return [
                mapped(definition.name, definition.multiValued ? .multiValuedSimple : .simple, kind(definition.type))
            ]
        }
        if let value = definition.subAttribute("value") {
            let references = definition.subAttribute("$ref")?.referenceTypes.filter(resourceNames.contains) ?? []
            let valueKind = references.isEmpty ? kind(value.type) : .reference
            return [
                mapped(
                    definition.name, definition.multiValued ? .multiValuedComplex : .singleComplexValue, valueKind,
                    references: references)
            ]
        }
        guard !definition.multiValued else { return [] }  // e.g. addresses: no single value to flatten to
        return definition.subAttributes.filter { $0.type != .complex }.map { sub in
            var attribute = mapped(definition.name + "." + sub.name, .subAttribute(sub.name), kind(sub.type))
            attribute.isWritable = writable && sub.mutability != .readOnly
            return attribute
        }
    }

    private static func kind(_ type: SCIMAttributeDefinition.DataType) -> AttributeKind {
        switch type {
        case .boolean: .boolean
        case .integer: .integer
        case .dateTime: .date
        case .binary: .binary
        case .string, .decimal, .reference, .complex: .string
        }
    }
}
