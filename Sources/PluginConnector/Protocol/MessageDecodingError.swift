/// A reply that is valid JSON but not a valid message: what is wrong, and where in the message
/// (`items[3].attributes.mail[0]`).
struct MessageDecodingError: Error, Hashable, Sendable {
    var path: String
    var problem: String

    init(_ path: String, _ problem: String) {
        self.path = path
        self.problem = problem
    }

    var description: String { path.isEmpty ? problem : "\(path): \(problem)" }
}

/// Typed access to a message's members, with errors naming the member.
struct MessageFields {
    let value: JSONValue
    let path: String

    init(_ value: JSONValue, path: String) throws(MessageDecodingError) {
        guard case .object = value else {
            throw MessageDecodingError(path, "expected an object, found \(value.typeName)")
        }
        self.value = value
        self.path = path
    }

    func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func optional(_ key: String) -> JSONValue? {
        switch value[key] {
        case nil, .null?: nil
        case let member?: member
        }
    }

    func string(_ key: String) throws(MessageDecodingError) -> String {
        guard let text = try optionalString(key) else { throw MessageDecodingError(child(key), "is missing") }
        return text
    }

    func optionalString(_ key: String) throws(MessageDecodingError) -> String? {
        switch optional(key) {
        case nil: return nil
        case .string(let text)?: return text
        case let other?: throw MessageDecodingError(child(key), "expected a string, found \(other.typeName)")
        }
    }

    func integer(_ key: String) throws(MessageDecodingError) -> Int64 {
        switch optional(key) {
        case nil: throw MessageDecodingError(child(key), "is missing")
        case .integer(let number)?: return number
        case let other?: throw MessageDecodingError(child(key), "expected an integer, found \(other.typeName)")
        }
    }

    func boolean(_ key: String, default fallback: Bool) throws(MessageDecodingError) -> Bool {
        switch optional(key) {
        case nil: return fallback
        case .boolean(let flag)?: return flag
        case let other?: throw MessageDecodingError(child(key), "expected true or false, found \(other.typeName)")
        }
    }

    func array(_ key: String) throws(MessageDecodingError) -> [JSONValue] {
        switch optional(key) {
        case nil: throw MessageDecodingError(child(key), "is missing")
        case .array(let elements)?: return elements
        case let other?: throw MessageDecodingError(child(key), "expected an array, found \(other.typeName)")
        }
    }

    func stringArray(_ key: String, default fallback: [String]? = nil) throws(MessageDecodingError) -> [String] {
        if optional(key) == nil, let fallback { return fallback }
        var strings: [String] = []
        for (index, element) in try array(key).enumerated() {
            guard case .string(let text) = element else {
                throw MessageDecodingError("\(child(key))[\(index)]", "expected a string, found \(element.typeName)")
            }
            strings.append(text)
        }
        return strings
    }

    func object(_ key: String) throws(MessageDecodingError) -> MessageFields {
        guard let member = optional(key) else { throw MessageDecodingError(child(key), "is missing") }
        return try MessageFields(member, path: child(key))
    }
}
