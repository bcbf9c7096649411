/// An object as a connected system holds it: its anchor, type, name and attribute values.
public struct ConnectorObject: Hashable, Sendable {
    public var anchor: Anchor
    public var objectType: ObjectType
    /// The object's name or path in its system, if it has one (an LDAP DN); `nil` otherwise.
    public var distinguishedName: String?
    public var attributes: Attributes

    public init(anchor: Anchor, objectType: ObjectType, distinguishedName: String? = nil, attributes: Attributes = [:])
    {
        self.anchor = anchor
        self.objectType = objectType
        self.distinguishedName = distinguishedName
        // Filtering rebuilds (and rehashes) the dictionary: only when there is something to drop.
        self.attributes =
            attributes.values.contains(where: \.isEmpty) ? attributes.filter { !$0.value.isEmpty } : attributes
    }

    /// The single value of `name`, or its first value if it has several.
    public subscript(name: String) -> AttributeValue? { attributes[name]?.first }
}

/// A value-level change to one attribute.
public enum AttributeChange: Hashable, Sendable {
    /// Adds values (to a multi-valued attribute).
    case add(String, [AttributeValue])
    /// Removes values.
    case remove(String, [AttributeValue])
    /// Replaces all values; an empty array removes the attribute.
    case replace(String, [AttributeValue])

    public var attribute: String {
        switch self {
        case .add(let name, _), .remove(let name, _), .replace(let name, _): name
        }
    }

    /// Applies the change to `attributes`.
    public func apply(to attributes: inout Attributes) {
        switch self {
        case .add(let name, let values):
            var current = attributes[name] ?? []
            for value in values where !current.contains(value) { current.append(value) }
            attributes[name] = current.isEmpty ? nil : current
        case .remove(let name, let values):
            let remaining = (attributes[name] ?? []).filter { !values.contains($0) }
            attributes[name] = remaining.isEmpty ? nil : remaining
        case .replace(let name, let values):
            attributes[name] = values.isEmpty ? nil : values
        }
    }
}

/// A change to one object: what a delta import reports and what an export writes.
public enum ObjectChange: Hashable, Sendable {
    case add(ConnectorObject)
    case update(anchor: Anchor, objectType: ObjectType, changes: [AttributeChange])
    case delete(anchor: Anchor, objectType: ObjectType)
    /// A new name or location for the same object (an LDAP modrdn/move); the anchor stays.
    case rename(anchor: Anchor, objectType: ObjectType, newDistinguishedName: String)

    public var anchor: Anchor {
        switch self {
        case .add(let object): object.anchor
        case .update(let anchor, _, _), .delete(let anchor, _), .rename(let anchor, _, _): anchor
        }
    }

    public var objectType: ObjectType {
        switch self {
        case .add(let object): object.objectType
        case .update(_, let type, _), .delete(_, let type), .rename(_, let type, _): type
        }
    }
}
