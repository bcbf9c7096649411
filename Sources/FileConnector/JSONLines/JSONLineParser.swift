/// Parses one JSON Lines record: a JSON object whose values are scalars or arrays of scalars. The line must
/// already be known to be UTF-8.
struct JSONLineParser {
    enum Scalar {
        case string(String)
        /// A number, as written (`42`, `-1.5e3`).
        case number(String, isInteger: Bool)
        case boolean(Bool)
        case null
    }

    enum Value {
        case scalar(Scalar)
        case array([Scalar])
    }

    /// A member's name: a range of the input when it holds no escapes (so a reader can compare it with the
    /// names of earlier lines without making a string), else the decoded text.
    enum Name {
        case bytes(Range<Int>)
        case text(String)
    }

    struct Member {
        var name: Name
        var value: Value
    }

    /// What is wrong and at which column (from 1) of the line.
    struct SyntaxError: Error {
        var column: Int
        var message: String
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private let start: Int
    private var position: Int
    private let end: Int

    init(_ bytes: UnsafeBufferPointer<UInt8>, line: Range<Int>) {
        self.bytes = bytes
        self.start = line.lowerBound
        self.position = line.lowerBound
        self.end = line.upperBound
    }

    /// Reads the object's members, in order, into `members`.
    mutating func parseObject(into members: inout [Member]) throws(SyntaxError) {
        members.removeAll(keepingCapacity: true)
        skipSpace()
        try expect(UInt8(ascii: "{"), "a line must hold one JSON object")
        skipSpace()
        if peek() == UInt8(ascii: "}") {
            position += 1
        } else {
            while true {
                skipSpace()
                guard peek() == UInt8(ascii: "\"") else { throw failure("expected a member name in quotes") }
                let name = try self.name()
                skipSpace()
                try expect(UInt8(ascii: ":"), "expected ':' after a member name")
                skipSpace()
                members.append(Member(name: name, value: try value()))
                skipSpace()
                if peek() == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                try expect(UInt8(ascii: "}"), "expected ',' or '}' after a member")
                break
            }
        }
        skipSpace()
        if position < end { throw failure("text follows the object; put one object on each line") }
    }

    private mutating func name() throws(SyntaxError) -> Name {
        var index = position + 1
        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                defer { position = index + 1 }
                return .bytes(position + 1..<index)
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            index += 1
        }
        return .text(try string())
    }

    private mutating func value() throws(SyntaxError) -> Value {
        guard peek() == UInt8(ascii: "[") else { return .scalar(try scalar()) }
        position += 1
        var elements: [Scalar] = []
        skipSpace()
        if peek() == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipSpace()
            elements.append(try scalar())
            skipSpace()
            if peek() == UInt8(ascii: ",") {
                position += 1
                continue
            }
            try expect(UInt8(ascii: "]"), "expected ',' or ']' in an array")
            return .array(elements)
        }
    }

    private mutating func scalar() throws(SyntaxError) -> Scalar {
        guard let byte = peek() else { throw failure("expected a value") }
        switch byte {
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .boolean(true))
        case UInt8(ascii: "f"): return try literal("false", .boolean(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        case UInt8(ascii: "{"), UInt8(ascii: "["): throw failure("nested objects and arrays are not supported")
        default: throw failure("expected a value")
        }
    }

    private mutating func literal(_ word: StaticString, _ result: Scalar) throws(SyntaxError) -> Scalar {
        let count = word.utf8CodeUnitCount
        guard end - position >= count,
            UnsafeBufferPointer(rebasing: bytes[position..<position + count]).elementsEqual(
                UnsafeBufferPointer(start: word.utf8Start, count: count))
        else { throw failure("expected a value") }
        position += count
        return result
    }

    private mutating func number() throws(SyntaxError) -> Scalar {
        let numberStart = position
        var isInteger = true
        if peek() == UInt8(ascii: "-") { position += 1 }
        let integerStart = position
        let integerDigits = digits()
        guard integerDigits > 0 else { throw failure("malformed number") }
        if integerDigits > 1 && bytes[integerStart] == UInt8(ascii: "0") {
            throw SyntaxError(column: integerStart - start + 1, message: "malformed number: leading zero")
        }
        if peek() == UInt8(ascii: ".") {
            position += 1
            isInteger = false
            guard digits() > 0 else { throw failure("malformed number") }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            position += 1
            isInteger = false
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
            guard digits() > 0 else { throw failure("malformed number") }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[numberStart..<position]), as: UTF8.self)
        return .number(text, isInteger: isInteger)
    }

    private mutating func digits() -> Int {
        let digitsStart = position
        while let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { position += 1 }
        return position - digitsStart
    }

    private mutating func string() throws(SyntaxError) -> String {
        position += 1
        let contentStart = position
        // Fast path: no escapes.
        while position < end {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[contentStart..<position])
                position += 1
                return String(decoding: slice, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw failure("a control character in a string must be escaped") }
            position += 1
        }
        var decoded = Array(bytes[contentStart..<position])
        while position < end {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                // Escapes may decode to unpaired surrogates only via \u, which is checked; the rest was validated.
                return String(decoding: decoded, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try escape(into: &decoded)
            case 0..<0x20:
                throw failure("a control character in a string must be escaped")
            default:
                decoded.append(byte)
            }
        }
        throw failure("a string is not closed")
    }

    private mutating func escape(into decoded: inout [UInt8]) throws(SyntaxError) {
        guard let byte = peek() else { throw failure("a string is not closed") }
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(byte)
        case UInt8(ascii: "b"): decoded.append(0x08)
        case UInt8(ascii: "f"): decoded.append(0x0C)
        case UInt8(ascii: "n"): decoded.append(0x0A)
        case UInt8(ascii: "r"): decoded.append(0x0D)
        case UInt8(ascii: "t"): decoded.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800..<0xDC00).contains(scalar) {
                guard peek() == UInt8(ascii: "\\"), position + 1 < end, bytes[position + 1] == UInt8(ascii: "u") else {
                    throw failure("a \\u escape holds half a surrogate pair")
                }
                position += 2
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw failure("a \\u escape holds half a surrogate pair") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw failure("a \\u escape is not a character") }
            decoded.append(contentsOf: UTF8.encode(unicode)!)
        default:
            throw failure("unknown escape in a string")
        }
    }

    private mutating func hex4() throws(SyntaxError) -> UInt32 {
        guard end - position >= 4 else { throw failure("a \\u escape needs four hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("a \\u escape needs four hex digits")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    private func peek() -> UInt8? { position < end ? bytes[position] : nil }

    private mutating func skipSpace() {
        while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A { position += 1 }
    }

    private mutating func expect(_ byte: UInt8, _ message: String) throws(SyntaxError) {
        guard peek() == byte else { throw failure(message) }
        position += 1
    }

    private func failure(_ message: String) -> SyntaxError {
        SyntaxError(column: position - start + 1, message: message)
    }
}
