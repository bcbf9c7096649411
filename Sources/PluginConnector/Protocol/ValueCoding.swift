import ConnectorKit

/// Attribute values, objects and changes in the protocol's encoding (Plugins/PROTOCOL.md § 4.4, § 4.7).
enum ValueCoding {
    // MARK: Decoding what a plug-in sends

    static func value(_ json: JSONValue, _ path: String) throws(MessageDecodingError) -> AttributeValue {
        switch json {
        case .string(let text): return .string(text)
        case .integer(let number): return .integer(number)
        case .boolean(let flag): return .boolean(flag)
        case .object(let members) where members.count == 1:
            let (kind, payload) = members.first!
            guard case .string(let text) = payload else {
                throw MessageDecodingError("\(path).\(kind)", "expected a string, found \(payload.typeName)")
            }
            switch kind {
            case "binary":
                do {
                    return .binary(try Base64.decode(text))
                } catch {
                    throw MessageDecodingError(
                        "\(path).binary", "is not padded standard base64: it \(error.description)")
                }
            case "date":
                guard let micros = ISO8601.parse(text) else {
                    throw MessageDecodingError("\(path).date", "is not an ISO 8601 date or time")
                }
                return .date(microsecondsSince1970: micros)
            case "reference":
                guard !text.isEmpty else { throw MessageDecodingError("\(path).reference", "is empty") }
                return .reference(Anchor(text))
            default:
                throw MessageDecodingError(path, "unknown value kind '\(kind)'; expected binary, date or reference")
            }
        case .object:
            throw MessageDecodingError(path, "a typed value has exactly one member: binary, date or reference")
        default:
            throw MessageDecodingError(path, "\(json.typeName) is not an attribute value")
        }
    }

    static func values(_ json: JSONValue, _ path: String) throws(MessageDecodingError) -> [AttributeValue] {
        guard case .array(let elements) = json else { return [try value(json, path)] }
        var values: [AttributeValue] = []
        values.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() { values.append(try value(element, "\(path)[\(index)]")) }
        return values
    }

    static func attributes(_ json: JSONValue?, _ path: String) throws(MessageDecodingError) -> Attributes {
        guard let json else { return [:] }
        guard case .object(let members) = json else {
            throw MessageDecodingError(path, "expected an object, found \(json.typeName)")
        }
        var attributes: Attributes = [:]
        attributes.reserveCapacity(members.count)
        for (name, member) in members {
            let decoded = try values(member, "\(path).\(name)")
            if !decoded.isEmpty { attributes[name] = decoded }
        }
        return attributes
    }

    static func object(_ fields: MessageFields) throws(MessageDecodingError) -> ConnectorObject {
        let anchor = try fields.string("anchor")
        guard !anchor.isEmpty else { throw MessageDecodingError(fields.child("anchor"), "is empty") }
        return ConnectorObject(
            anchor: Anchor(anchor), objectType: ObjectType(try fields.string("objectType")),
            distinguishedName: try fields.optionalString("dn"),
            attributes: try attributes(fields.optional("attributes"), fields.child("attributes")))
    }

    static func attributeChanges(_ fields: MessageFields) throws(MessageDecodingError) -> [AttributeChange] {
        var changes: [AttributeChange] = []
        for (index, element) in try fields.array("changes").enumerated() {
            let change = try MessageFields(element, path: "\(fields.child("changes"))[\(index)]")
            let name = try change.string("attribute")
            let values = try values(change.optional("values") ?? .array([]), change.child("values"))
            switch try change.string("op") {
            case "add": changes.append(.add(name, values))
            case "remove": changes.append(.remove(name, values))
            case "replace": changes.append(.replace(name, values))
            case let other:
                throw MessageDecodingError(
                    change.child("op"), "unknown operation '\(other)'; expected add, remove or replace")
            }
        }
        return changes
    }

    /// One item of an `objects` message.
    static func importItem(_ json: JSONValue, _ path: String) throws(MessageDecodingError) -> ImportBatch.Item {
        let fields = try MessageFields(json, path: path)
        switch try fields.string("op") {
        case "object": return .object(try object(fields))
        case "add": return .change(.add(try object(fields)))
        case "update":
            return .change(
                .update(
                    anchor: Anchor(try fields.string("anchor")),
                    objectType: ObjectType(try fields.string("objectType")),
                    changes: try attributeChanges(fields)))
        case "delete":
            return .change(
                .delete(
                    anchor: Anchor(try fields.string("anchor")), objectType: ObjectType(try fields.string("objectType"))
                ))
        case "rename":
            return .change(
                .rename(
                    anchor: Anchor(try fields.string("anchor")),
                    objectType: ObjectType(try fields.string("objectType")),
                    newDistinguishedName: try fields.string("dn")))
        case let other:
            throw MessageDecodingError(
                fields.child("op"), "unknown operation '\(other)'; expected object, add, update, delete or rename")
        }
    }

    // MARK: Encoding what Tandem sends

    static func write(_ value: AttributeValue, into writer: inout JSONWriter) {
        switch value {
        case .string(let text): writer.string(text)
        case .integer(let number): writer.integer(number)
        case .boolean(let flag): writer.boolean(flag)
        case .binary(let bytes):
            writer.raw("{\"binary\":")
            writer.string(Base64.encode(bytes))
            writer.raw("}")
        case .date(let micros):
            writer.raw("{\"date\":")
            writer.string(ISO8601.format(microseconds: micros))
            writer.raw("}")
        case .reference(let anchor):
            writer.raw("{\"reference\":")
            writer.string(anchor.rawValue)
            writer.raw("}")
        }
    }

    static func write(_ values: [AttributeValue], into writer: inout JSONWriter) {
        writer.raw("[")
        for (index, value) in values.enumerated() {
            if index > 0 { writer.raw(",") }
            write(value, into: &writer)
        }
        writer.raw("]")
    }

    /// `"anchor":…,"objectType":…` (no leading comma).
    private static func writeIdentity(_ anchor: Anchor, _ type: ObjectType, into writer: inout JSONWriter) {
        writer.key("anchor", first: true)
        writer.string(anchor.rawValue)
        writer.key("objectType")
        writer.string(type.rawValue)
    }

    /// One change of an `export` request.
    static func write(_ change: ObjectChange, into writer: inout JSONWriter) {
        writer.raw("{\"op\":")
        switch change {
        case .add(let object):
            writer.raw("\"add\",")
            writeIdentity(object.anchor, object.objectType, into: &writer)
            if let dn = object.distinguishedName {
                writer.key("dn")
                writer.string(dn)
            }
            writer.key("attributes")
            writer.raw("{")
            for (index, name) in object.attributes.keys.sorted().enumerated() {
                writer.key(name, first: index == 0)
                write(object.attributes[name]!, into: &writer)
            }
            writer.raw("}")
        case .update(let anchor, let type, let changes):
            writer.raw("\"update\",")
            writeIdentity(anchor, type, into: &writer)
            writer.key("changes")
            writer.raw("[")
            for (index, change) in changes.enumerated() {
                if index > 0 { writer.raw(",") }
                switch change {
                case .add: writer.raw("{\"op\":\"add\",\"attribute\":")
                case .remove: writer.raw("{\"op\":\"remove\",\"attribute\":")
                case .replace: writer.raw("{\"op\":\"replace\",\"attribute\":")
                }
                writer.string(change.attribute)
                writer.raw(",\"values\":")
                switch change {
                case .add(_, let values), .remove(_, let values), .replace(_, let values):
                    write(values, into: &writer)
                }
                writer.raw("}")
            }
            writer.raw("]")
        case .delete(let anchor, let type):
            writer.raw("\"delete\",")
            writeIdentity(anchor, type, into: &writer)
        case .rename(let anchor, let type, let dn):
            writer.raw("\"rename\",")
            writeIdentity(anchor, type, into: &writer)
            writer.key("dn")
            writer.string(dn)
        }
        writer.raw("}")
    }
}
