import ConnectorKit

/// The fast path for `objects` messages, which carry almost every byte a plug-in sends: their items are decoded
/// straight from the line into ConnectorKit objects, without the ``JSONValue`` tree that ``parse(_:)`` builds and
/// ``PluginMessage/decode(_:)`` then walks (building, walking and freeing that tree was two thirds of Tandem's
/// cost per object).
///
/// It covers the common shape only: `type`, `id` and `items` members; items of op `object` or `add` with
/// `anchor`, `objectType`, `dn` and `attributes`; values that are strings, integers, booleans or typed objects;
/// member names of the message and its items without escapes. Anything else, valid or not — an unknown member, a
/// `null`, an empty array, a delta item, a syntax error — makes it give up and return `nil`, and the caller takes
/// the general path, which accepts what the protocol allows and words every error. So the fast path never decides
/// what is an error, and when it returns a message, the general path would have returned the same one.
extension JSONParser {
    /// Why the fast path gave up; never shown to anyone.
    private static let giveUp = SyntaxError(column: 0, message: "not the fast path's shape")

    /// An `objects` message decoded from `line`, or `nil` when the line is anything else or not of the common
    /// shape (the caller then parses it with ``parse(_:)`` and ``PluginMessage/decode(_:)``).
    static func objectsMessage(_ line: UnsafeBufferPointer<UInt8>) -> PluginMessage? {
        var parser = JSONParser(line)
        do {
            return try parser.objectsMessage()
        } catch {
            return nil
        }
    }

    private mutating func objectsMessage() throws(SyntaxError) -> PluginMessage {
        var isObjects = false
        var id: Int64?
        var items: [ImportBatch.Item]?
        try members { parser, name throws(SyntaxError) in
            if Self.matches(name, "type") {
                guard !isObjects, try parser.plainString(is: "objects") else { throw Self.giveUp }
                isObjects = true
            } else if Self.matches(name, "id") {
                guard id == nil, case .integer(let number) = try parser.scalarNumber() else { throw Self.giveUp }
                id = number
            } else if Self.matches(name, "items") {
                guard items == nil else { throw Self.giveUp }
                items = try parser.items()
            } else {
                throw Self.giveUp
            }
        }
        skipSpace()
        guard position == bytes.count, isObjects, let id, let items else { throw Self.giveUp }
        return .objects(id: id, items)
    }

    /// Reads an object whose member names hold no escapes, handing each name (its bytes) to `member`, which must
    /// read the value.
    private mutating func members(
        _ member: (inout JSONParser, UnsafeBufferPointer<UInt8>) throws(SyntaxError) -> Void
    ) throws(SyntaxError) {
        skipSpace()
        guard peek() == UInt8(ascii: "{") else { throw Self.giveUp }
        position += 1
        skipSpace()
        if peek() == UInt8(ascii: "}") {
            position += 1
            return
        }
        while true {
            skipSpace()
            let name = try plainName()
            skipSpace()
            guard peek() == UInt8(ascii: ":") else { throw Self.giveUp }
            position += 1
            skipSpace()
            try member(&self, name)
            skipSpace()
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                return
            default: throw Self.giveUp
            }
        }
    }

    /// A quoted name of printable ASCII without escapes, as bytes: the only kind the fast path compares.
    private mutating func plainName() throws(SyntaxError) -> UnsafeBufferPointer<UInt8> {
        guard peek() == UInt8(ascii: "\"") else { throw Self.giveUp }
        let start = position + 1
        var index = start
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                position = index + 1
                return UnsafeBufferPointer(rebasing: bytes[start..<index])
            case 0x20..<0x7F where bytes[index] != UInt8(ascii: "\\"): index += 1
            default: throw Self.giveUp
            }
        }
        throw Self.giveUp
    }

    private static func matches(_ name: UnsafeBufferPointer<UInt8>, _ expected: StaticString) -> Bool {
        name.elementsEqual(UnsafeBufferPointer(start: expected.utf8Start, count: expected.utf8CodeUnitCount))
    }

    /// Whether the next value is the string `expected` written without escapes.
    private mutating func plainString(is expected: StaticString) throws(SyntaxError) -> Bool {
        Self.matches(try plainName(), expected)
    }

    private mutating func scalarNumber() throws(SyntaxError) -> JSONValue {
        guard let byte = peek(), byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        else { throw Self.giveUp }
        return try number()
    }

    private mutating func items() throws(SyntaxError) -> [ImportBatch.Item] {
        guard peek() == UInt8(ascii: "[") else { throw Self.giveUp }
        position += 1
        var items: [ImportBatch.Item] = []
        skipSpace()
        if peek() == UInt8(ascii: "]") {
            position += 1
            return items
        }
        // Most pages hold the plug-in's page size of objects with much the same attributes: the previous object's
        // attribute count sizes the next one's dictionary, so it is not rehashed as it grows.
        var attributeCount = 0
        while true {
            skipSpace()
            items.append(try item(attributeCount: &attributeCount))
            skipSpace()
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"):
                position += 1
                return items
            default: throw Self.giveUp
            }
        }
    }

    private mutating func item(attributeCount: inout Int) throws(SyntaxError) -> ImportBatch.Item {
        var isAdd: Bool?
        var anchor: String?
        var objectType: String?
        var dn: String?
        var attributes: Attributes?
        try members { parser, name throws(SyntaxError) in
            if Self.matches(name, "op") {
                guard isAdd == nil else { throw Self.giveUp }
                let op = try parser.plainName()
                if Self.matches(op, "object") {
                    isAdd = false
                } else if Self.matches(op, "add") {
                    isAdd = true
                } else {
                    throw Self.giveUp
                }
            } else if Self.matches(name, "anchor") {
                guard anchor == nil else { throw Self.giveUp }
                anchor = try parser.stringValue()
            } else if Self.matches(name, "objectType") {
                guard objectType == nil else { throw Self.giveUp }
                objectType = try parser.stringValue()
            } else if Self.matches(name, "dn") {
                guard dn == nil else { throw Self.giveUp }
                dn = try parser.stringValue()
            } else if Self.matches(name, "attributes") {
                guard attributes == nil else { throw Self.giveUp }
                attributes = try parser.attributes(capacity: attributeCount)
            } else {
                throw Self.giveUp
            }
        }
        guard let isAdd, let anchor, !anchor.isEmpty, let objectType else { throw Self.giveUp }
        attributeCount = attributes?.count ?? 0
        let object = ConnectorObject(
            anchor: Anchor(anchor), objectType: ObjectType(objectType), distinguishedName: dn,
            attributes: attributes ?? [:])
        return isAdd ? .change(.add(object)) : .object(object)
    }

    private mutating func stringValue() throws(SyntaxError) -> String {
        guard peek() == UInt8(ascii: "\"") else { throw Self.giveUp }
        return try string()
    }

    private mutating func attributes(capacity: Int) throws(SyntaxError) -> Attributes {
        guard peek() == UInt8(ascii: "{") else { throw Self.giveUp }
        position += 1
        var attributes: Attributes = [:]
        attributes.reserveCapacity(capacity)
        skipSpace()
        if peek() == UInt8(ascii: "}") {
            position += 1
            return attributes
        }
        while true {
            skipSpace()
            let name = try stringValue()
            skipSpace()
            guard peek() == UInt8(ascii: ":") else { throw Self.giveUp }
            position += 1
            skipSpace()
            // An empty array is left out, so a second member of the same name could not be noticed: give up.
            let values = try values()
            guard !values.isEmpty, attributes.updateValue(values, forKey: name) == nil else { throw Self.giveUp }
            skipSpace()
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                return attributes
            default: throw Self.giveUp
            }
        }
    }

    /// An attribute's values: an array of values, or one value standing for a one-element array.
    private mutating func values() throws(SyntaxError) -> [AttributeValue] {
        guard peek() == UInt8(ascii: "[") else { return [try attributeValue()] }
        position += 1
        var values: [AttributeValue] = []
        skipSpace()
        if peek() == UInt8(ascii: "]") {
            position += 1
            return values
        }
        while true {
            skipSpace()
            values.append(try attributeValue())
            skipSpace()
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"):
                position += 1
                return values
            default: throw Self.giveUp
            }
        }
    }

    /// One value (Plugins/PROTOCOL.md § 4.4); typed values are checked as ``ValueCoding/value(_:_:)`` checks them.
    private mutating func attributeValue() throws(SyntaxError) -> AttributeValue {
        switch peek() {
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"):
            try keyword("true")
            return .boolean(true)
        case UInt8(ascii: "f"):
            try keyword("false")
            return .boolean(false)
        case UInt8(ascii: "{"):
            var value: AttributeValue?
            try members { parser, name throws(SyntaxError) in
                guard value == nil else { throw Self.giveUp }
                let payload = try parser.stringValue()
                if Self.matches(name, "reference") {
                    guard !payload.isEmpty else { throw Self.giveUp }
                    value = .reference(Anchor(payload))
                } else if Self.matches(name, "date") {
                    guard let micros = ISO8601.parse(payload) else { throw Self.giveUp }
                    value = .date(microsecondsSince1970: micros)
                } else if Self.matches(name, "binary") {
                    guard let bytes = try? Base64.decode(payload) else { throw Self.giveUp }
                    value = .binary(bytes)
                } else {
                    throw Self.giveUp
                }
            }
            guard let value else { throw Self.giveUp }
            return value
        default:
            guard case .integer(let number) = try scalarNumber() else { throw Self.giveUp }
            return .integer(number)
        }
    }

    private mutating func keyword(_ text: StaticString) throws(SyntaxError) {
        let count = text.utf8CodeUnitCount
        guard position + count <= bytes.count,
            Self.matches(UnsafeBufferPointer(rebasing: bytes[position..<position + count]), text)
        else { throw Self.giveUp }
        position += count
    }
}
