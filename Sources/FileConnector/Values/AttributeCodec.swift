import ConnectorKit

/// Converts attribute values to and from the text a file holds.
enum AttributeCodec {
    /// The value `text` stands for as an attribute of `kind`, or `nil` if it is not one; `problem` says what is
    /// expected (without repeating the value).
    static func decode(_ text: String, as kind: AttributeKind) -> Result<AttributeValue, Problem> {
        switch kind {
        case .string:
            return .success(.string(text))
        case .reference:
            return .success(.reference(Anchor(text)))
        case .integer:
            guard let value = Int64(text) else { return .failure(Problem("is not an integer")) }
            return .success(.integer(value))
        case .boolean:
            switch text.lowercased() {
            case "true", "1": return .success(.boolean(true))
            case "false", "0": return .success(.boolean(false))
            default: return .failure(Problem("is not a boolean (true or false)"))
            }
        case .date:
            guard let micros = ISO8601.parse(text) else {
                return .failure(Problem("is not an ISO 8601 date (2026-11-25 or 2026-11-25T13:45:00Z)"))
            }
            return .success(.date(microsecondsSince1970: micros))
        case .binary:
            do {
                return .success(.binary(try Base64.decode(text)))
            } catch {
                return .failure(Problem("is not standard base64: it \(error.description)"))
            }
        }
    }

    /// The text written for `value`: the inverse of ``decode(_:as:)``.
    static func encode(_ value: AttributeValue) -> String {
        switch value {
        case .binary(let bytes): Base64.encode(bytes)
        default: value.text
        }
    }

    /// Why a text is not a value of a kind.
    struct Problem: Error {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
