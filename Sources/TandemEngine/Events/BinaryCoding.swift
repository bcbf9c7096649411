import ConnectorKit

/// Writes the compact binary encoding of engine events (Journal/FORMAT.md, "Engine events"):
/// LEB128 varints, zigzag for signed integers, length-prefixed UTF-8 strings and byte strings.
struct BinaryWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 64) { bytes.reserveCapacity(capacity) }

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func int(_ value: Int64) { varint(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }
    mutating func count(_ value: Int) { varint(UInt64(value)) }
    mutating func byte(_ value: UInt8) { bytes.append(value) }
    mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            varint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    mutating func data(_ value: [UInt8]) {
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func optionalString(_ value: String?) {
        if let value {
            byte(1)
            string(value)
        } else {
            byte(0)
        }
    }

    mutating func value(_ value: AttributeValue) {
        switch value {
        case .string(let text):
            byte(0)
            string(text)
        case .integer(let number):
            byte(1)
            int(number)
        case .boolean(let flag):
            byte(2)
            bool(flag)
        case .binary(let raw):
            byte(3)
            data(raw)
        case .date(let micros):
            byte(4)
            int(micros)
        case .reference(let anchor):
            byte(5)
            string(anchor.rawValue)
        }
    }

    mutating func values(_ values: [AttributeValue]) {
        count(values.count)
        for v in values { value(v) }
    }

    /// Attributes in ascending name order, so that equal attribute sets encode identically.
    mutating func attributes(_ attributes: Attributes) {
        count(attributes.count)
        for name in attributes.keys.sorted() {
            string(name)
            values(attributes[name]!)
        }
    }
}

/// Reads what ``BinaryWriter`` wrote; every read is bounds-checked and a malformed input throws.
struct BinaryReader {
    private let bytes: [UInt8]
    private(set) var offset = 0
    /// Where reading stops: the end of the bytes, or of the range given.
    private let end: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        end = bytes.count
    }

    /// Reads only `range` of `bytes` (a part that decodes on its own); offsets stay those of `bytes`.
    init(_ bytes: [UInt8], range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "range outside the bytes")
        self.bytes = bytes
        offset = range.lowerBound
        end = range.upperBound
    }

    var isAtEnd: Bool { offset == end }

    struct Malformed: Error {
        var reason: String
        var offset: Int
    }

    private func fail(_ reason: String) -> Malformed { Malformed(reason: reason, offset: offset) }

    mutating func varint() throws(Malformed) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while offset < end {
            let b = bytes[offset]
            offset += 1
            if shift == 63 && b > 1 { throw fail("varint overflows 64 bits") }
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
            if shift > 63 { throw fail("varint is too long") }
        }
        throw fail("truncated varint")
    }

    mutating func int() throws(Malformed) -> Int64 {
        let raw = try varint()
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    /// A count of items that each take at least one byte: bounded by the bytes left, so a
    /// corrupt count cannot make the decoder allocate without bound.
    mutating func count() throws(Malformed) -> Int {
        let value = try varint()
        guard value <= UInt64(end - offset) else { throw fail("count \(value) exceeds the remaining bytes") }
        return Int(value)
    }

    /// A non-negative number (a statistic), not a count of following items.
    mutating func number() throws(Malformed) -> Int {
        let value = try varint()
        guard value <= UInt64(Int.max) else { throw fail("number \(value) is too large") }
        return Int(value)
    }

    mutating func byte() throws(Malformed) -> UInt8 {
        guard offset < end else { throw fail("truncated") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func bool() throws(Malformed) -> Bool {
        switch try byte() {
        case 0: return false
        case 1: return true
        default: throw fail("invalid boolean")
        }
    }

    /// Skips `length` bytes (a part decoded later) and returns where they are.
    mutating func skip(_ length: Int) throws(Malformed) -> Range<Int> {
        guard length <= end - offset else { throw fail("a part of \(length) bytes exceeds the remaining bytes") }
        defer { offset += length }
        return offset..<offset + length
    }

    mutating func data() throws(Malformed) -> [UInt8] {
        let length = try count()
        defer { offset += length }
        return Array(bytes[offset..<offset + length])
    }

    mutating func string() throws(Malformed) -> String {
        let length = try count()
        let range = offset..<offset + length
        // Validated in place: most strings are short enough to live inside the String, so copying
        // them to an array first would be the only allocation.
        let text = bytes.withUnsafeBufferPointer { buffer -> String? in
            let utf8 = UnsafeBufferPointer(rebasing: buffer[range])
            // ASCII (nearly every name, anchor and value) needs no repair, so decoding it is validating it,
            // without the generic validation, which looks up type metadata on every call: profiled at a
            // fifth of a replay's time.
            if utf8.allSatisfy({ $0 < 0x80 }) { return String(decoding: utf8, as: UTF8.self) }
            return String(validating: utf8, as: UTF8.self)
        }
        offset += length
        guard let text else { throw fail("invalid UTF-8") }
        return text
    }

    mutating func optionalString() throws(Malformed) -> String? {
        try bool() ? try string() : nil
    }

    mutating func value() throws(Malformed) -> AttributeValue {
        switch try byte() {
        case 0: return .string(try string())
        case 1: return .integer(try int())
        case 2: return .boolean(try bool())
        case 3: return .binary(try data())
        case 4: return .date(microsecondsSince1970: try int())
        case 5: return .reference(Anchor(try string()))
        case let tag: throw fail("unknown value tag \(tag)")
        }
    }

    mutating func values() throws(Malformed) -> [AttributeValue] {
        let n = try count()
        var result: [AttributeValue] = []
        result.reserveCapacity(n)
        for _ in 0..<n { result.append(try value()) }
        return result
    }

    mutating func attributes() throws(Malformed) -> Attributes {
        let n = try count()
        var result = Attributes(minimumCapacity: n)
        for _ in 0..<n {
            let name = try string()
            result[name] = try values()
        }
        return result
    }
}

extension BinaryReader {
    /// Where a length-prefixed string's bytes are, without making the String (a checkpoint's
    /// decoder compares them with bytes it has already turned into a string, to reuse that one).
    mutating func stringBytes() throws(Malformed) -> Range<Int> {
        try skip(try count())
    }

    /// Checks that the bytes at `range` are UTF-8, without making a String.
    func checkUTF8(_ range: Range<Int>) throws(Malformed) {
        let valid = bytes.withUnsafeBufferPointer { buffer in
            let utf8 = UnsafeBufferPointer(rebasing: buffer[range])
            return utf8.allSatisfy({ $0 < 0x80 }) || String(validating: utf8, as: UTF8.self) != nil
        }
        guard valid else { throw Malformed(reason: "invalid UTF-8", offset: range.lowerBound) }
    }

    /// The string at `range` (from ``stringBytes()``), validated as ``string()`` does.
    func string(at range: Range<Int>) throws(Malformed) -> String {
        let text = bytes.withUnsafeBufferPointer { buffer -> String? in
            let utf8 = UnsafeBufferPointer(rebasing: buffer[range])
            if utf8.allSatisfy({ $0 < 0x80 }) { return String(decoding: utf8, as: UTF8.self) }
            return String(validating: utf8, as: UTF8.self)
        }
        guard let text else { throw Malformed(reason: "invalid UTF-8", offset: range.lowerBound) }
        return text
    }

    /// Whether the bytes at `a` and `b` are the same.
    func sameBytes(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
        guard a.count == b.count else { return false }
        return bytes.withUnsafeBufferPointer { buffer in
            for i in 0..<a.count where buffer[a.lowerBound + i] != buffer[b.lowerBound + i] { return false }
            return true
        }
    }

    /// A number below `limit` (an index into a table of that many entries).
    mutating func number(below limit: Int) throws(Malformed) -> Int {
        let value = try varint()
        guard value < UInt64(limit) else {
            throw Malformed(reason: "name \(value) is not in the table of \(limit)", offset: offset)
        }
        return Int(value)
    }
}

extension BinaryWriter {
    /// Appends bytes as they are (a part already encoded).
    mutating func raw(_ part: UnsafeBufferPointer<UInt8>) { bytes.append(contentsOf: part) }
}

extension BinaryReader {
    /// Checks one attribute's values (count, then each value) as ``values()`` would read them, without
    /// making them: strings must be UTF-8, tags known, lengths inside the bytes.
    ///
    /// With `checkingText` false, strings are only measured (for a first pass whose bytes are read in full later).
    mutating func skipValues(checkingText: Bool = true) throws(Malformed) {
        let n = try count()
        for _ in 0..<n {
            switch try byte() {
            case 0, 5:
                let range = try stringBytes()
                if checkingText { try checkUTF8(range) }
            case 1, 4: _ = try varint()
            case 2: _ = try bool()
            case 3: _ = try skip(try count())
            case let tag: throw Malformed(reason: "unknown value tag \(tag)", offset: offset - 1)
            }
        }
    }

    /// The bytes at `range` (inside what this reader reads).
    func bytesSlice(_ range: Range<Int>) -> ArraySlice<UInt8> { bytes[range] }

    /// Calls `body` with `range` of the bytes, without a slice: a slice retains the whole buffer, and when
    /// chunks of one buffer decode on several cores, those retains contend for one reference count.
    func withBytes<Result>(_ range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows
        -> Result
    {
        try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[range])) }
    }
}
