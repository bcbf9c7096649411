import ConnectorKit

/// Translates between SCIM resources (JSON) and connector objects, per a ``ResourceMapping``.
///
/// Anchors are SCIM ids, so a reference value's anchor is the `value` (the id) of the complex attribute; no
/// lookup is needed in either direction.
struct ResourceCodec: Sendable {
    var mapping: ResourceMapping

    var objectType: ObjectType { ObjectType(mapping.resourceType.name) }

    // MARK: Import

    /// The object a resource represents; `nil` if it has no id.
    func object(from resource: JSONValue) -> ConnectorObject? {
        guard let id = resource["id"]?.stringValue, !id.isEmpty else { return nil }
        var attributes: Attributes = [:]
        for attribute in mapping.attributes {
            let values = self.values(of: attribute, in: resource)
            if !values.isEmpty { attributes[attribute.name] = values }
        }
        return ConnectorObject(anchor: Anchor(id), objectType: objectType, attributes: attributes)
    }

    func values(of attribute: MappedAttribute, in resource: JSONValue) -> [AttributeValue] {
        let container = attribute.extensionURN.map { resource.member($0) ?? .null } ?? resource
        guard let top = container.member(attribute.scimName) else { return [] }
        switch attribute.shape {
        case .simple:
            return value(top, attribute).map { [$0] } ?? []
        case .subAttribute(let sub):
            return top.member(sub).flatMap { value($0, attribute) }.map { [$0] } ?? []
        case .singleComplexValue:
            return top.member("value").flatMap { value($0, attribute) }.map { [$0] } ?? []
        case .multiValuedSimple:
            return (top.arrayValue ?? []).compactMap { value($0, attribute) }
        case .multiValuedComplex:
            var seen = Set<AttributeValue>()
            return (top.arrayValue ?? []).compactMap { $0.member("value").flatMap { value($0, attribute) } }
                .filter { seen.insert($0).inserted }
        }
    }

    private func value(_ json: JSONValue, _ attribute: MappedAttribute) -> AttributeValue? {
        switch (attribute.kind, json) {
        case (_, .null): return nil
        case (.reference, .string(let id)): return id.isEmpty ? nil : .reference(Anchor(id))
        case (.boolean, .bool(let flag)): return .boolean(flag)
        case (.integer, .integer(let number)): return .integer(number)
        case (.date, .string(let text)):
            return ISO8601.parse(text).map { .date(microsecondsSince1970: $0) } ?? .string(text)
        case (.binary, .string(let text)): return (try? Base64.decode(text)).map { .binary($0) } ?? .string(text)
        case (_, .string(let text)): return .string(text)
        case (_, .bool(let flag)): return .boolean(flag)
        case (_, .integer(let number)): return .integer(number)
        case (_, .double(let number)): return .string(String(number))
        case (_, .array), (_, .object): return nil
        }
    }

    // MARK: Export

    /// A new resource for `object`: its `schemas` and every attribute it holds.
    func resource(for object: ConnectorObject) throws(ConnectorError) -> JSONValue {
        var resource = JSONValue.object([:])
        for name in object.attributes.keys.sorted() {
            try set(name, object.attributes[name]!, in: &resource, anchor: object.anchor)
        }
        setSchemas(in: &resource)
        return resource
    }

    /// Lists the core schema and the extensions the resource holds values of.
    func setSchemas(in resource: inout JSONValue) {
        var schemas = [mapping.resourceType.schema]
        for urn in mapping.resourceType.extensions where resource.member(urn) != nil { schemas.append(urn) }
        resource.setMember("schemas", .array(schemas.map(JSONValue.string)))
    }

    /// Sets (or, with no values, removes) one attribute in a resource.
    func set(_ name: String, _ values: [AttributeValue], in resource: inout JSONValue, anchor: Anchor)
        throws(ConnectorError)
    {
        let attribute = try writable(name, anchor: anchor)
        let json = try self.json(values, for: attribute, anchor: anchor)
        if let urn = attribute.extensionURN {
            var container = resource.member(urn) ?? .object([:])
            Self.place(json, for: attribute, in: &container)
            resource.setMember(urn, container.objectValue?.isEmpty == false ? container : nil)
        } else {
            Self.place(json, for: attribute, in: &resource)
        }
    }

    private static func place(_ json: JSONValue?, for attribute: MappedAttribute, in container: inout JSONValue) {
        guard case .subAttribute(let sub) = attribute.shape else {
            container.setMember(attribute.scimName, json)
            return
        }
        var parent = container.member(attribute.scimName) ?? .object([:])
        parent.setMember(sub, json)
        container.setMember(attribute.scimName, parent.objectValue?.isEmpty == false ? parent : nil)
    }

    /// The mapped attribute `name`, if it can be written.
    func writable(_ name: String, anchor: Anchor) throws(ConnectorError) -> MappedAttribute {
        guard let attribute = mapping.attribute(name) else {
            throw ConnectorError(
                .schema, "SCIM \(mapping.resourceType.name) has no attribute '\(name)'", anchor: anchor.nonEmpty)
        }
        guard attribute.isWritable else {
            throw ConnectorError(
                .schema, "SCIM \(mapping.resourceType.name) attribute '\(name)' is read-only", anchor: anchor.nonEmpty)
        }
        return attribute
    }

    /// The JSON of an attribute's values in the shape the resource holds them; `nil` for no values.
    func json(_ values: [AttributeValue], for attribute: MappedAttribute, anchor: Anchor) throws(ConnectorError)
        -> JSONValue?
    {
        guard !values.isEmpty else { return nil }
        var items: [JSONValue] = []
        for value in values { items.append(try json(value, for: attribute, anchor: anchor)) }
        switch attribute.shape {
        case .simple, .subAttribute:
            guard items.count == 1 else { throw multipleValues(attribute, anchor) }
            return items[0]
        case .singleComplexValue:
            guard items.count == 1 else { throw multipleValues(attribute, anchor) }
            return .object(["value": items[0]])
        case .multiValuedSimple:
            return .array(items)
        case .multiValuedComplex:
            return .array(items.map { .object(["value": $0]) })
        }
    }

    private func multipleValues(_ attribute: MappedAttribute, _ anchor: Anchor) -> ConnectorError {
        ConnectorError(
            .schema, "SCIM \(mapping.resourceType.name) attribute '\(attribute.name)' is single-valued",
            anchor: anchor.nonEmpty)
    }

    /// One value as JSON of the attribute's type; values of another kind are converted when their text fits.
    func json(_ value: AttributeValue, for attribute: MappedAttribute, anchor: Anchor) throws(ConnectorError)
        -> JSONValue
    {
        switch (attribute.kind, value) {
        case (.reference, .reference(let target)): return .string(target.rawValue)
        case (.reference, .string(let id)) where !id.isEmpty: return .string(id)
        case (.boolean, .boolean(let flag)): return .bool(flag)
        case (.boolean, .string("true")): return .bool(true)
        case (.boolean, .string("false")): return .bool(false)
        case (.integer, .integer(let number)): return .integer(number)
        case (.integer, .string(let text)) where Int64(text) != nil: return .integer(Int64(text)!)
        case (.date, .date(let micros)): return .string(ISO8601.format(microseconds: micros))
        case (.binary, .binary(let bytes)): return .string(Base64.encode(bytes))
        case (.string, .reference), (.reference, _), (.boolean, _), (.integer, _):
            throw ConnectorError(
                .schema,
                "SCIM \(mapping.resourceType.name) attribute '\(attribute.name)' takes \(attribute.kind.rawValue) "
                    + "values, not \(value.kind.rawValue)", anchor: anchor.nonEmpty)
        case (_, let other): return .string(other.text)
        }
    }
}

extension Anchor {
    /// `nil` for the empty anchor of an add the service has not given an id yet.
    var nonEmpty: Anchor? { rawValue.isEmpty ? nil : self }
}

extension JSONValue {
    /// A member by name; SCIM attribute names are case-insensitive (RFC 7643 §2.1), so a differently cased
    /// name matches when the exact one is absent.
    func member(_ name: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        if let exact = members[name] { return exact }
        let lowered = name.lowercased()
        return members.first { $0.key.lowercased() == lowered }?.value
    }

    /// Sets or (with `nil`) removes a member, replacing a differently cased one.
    mutating func setMember(_ name: String, _ value: JSONValue?) {
        guard case .object(var members) = self else { return }
        let lowered = name.lowercased()
        for key in members.keys where key != name && key.lowercased() == lowered { members[key] = nil }
        members[name] = value
        self = .object(members)
    }
}
