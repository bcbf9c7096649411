/// The text operations behind the expression functions: locale-free, deterministic, and
/// allocation-free when the input needs no change.
///
/// Positions and lengths count Unicode scalars; searches compare UTF-8 bytes (exact, no
/// normalization), which never splits a scalar because UTF-8 is self-synchronizing.
enum ExpressionText {
    // MARK: Case

    static func lowercased(_ text: String) -> String {
        switch scanASCII(text, uppercase: true) {
        case .unchanged: text
        case .ascii: mapASCII(text, asciiLower)
        case .unicode: mapScalars(text, ascii: asciiLower) { $0.properties.lowercaseMapping }
        }
    }

    static func uppercased(_ text: String) -> String {
        switch scanASCII(text, uppercase: false) {
        case .unchanged: text
        case .ascii: mapASCII(text, asciiUpper)
        case .unicode: mapScalars(text, ascii: asciiUpper) { $0.properties.uppercaseMapping }
        }
    }

    private enum CaseScan { case unchanged, ascii, unicode }

    /// Whether `text` has non-ASCII scalars, else whether it has ASCII letters of the case to change.
    private static func scanASCII(_ text: String, uppercase: Bool) -> CaseScan {
        let first: UInt8 = uppercase ? 0x41 : 0x61
        return withBytes(text) { bytes in
            var changes = false
            for byte in bytes {
                if byte >= 0x80 { return .unicode }
                if byte &- first < 26 { changes = true }
            }
            return changes ? .ascii : .unchanged
        }
    }

    /// Runs `body` over the UTF-8 bytes, without copying native strings.
    @inline(__always)
    static func withBytes<Result>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = text
        return copy.withUTF8(body)
    }

    private static func asciiLower(_ byte: UInt8) -> UInt8 { byte &- 0x41 < 26 ? byte | 0x20 : byte }
    private static func asciiUpper(_ byte: UInt8) -> UInt8 { byte &- 0x61 < 26 ? byte & 0xDF : byte }

    /// Title-cases each word's first letter and lower-cases the rest (see `ExpressionFunction.pCase`).
    static func properCased(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        var atWordStart = true
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                let byte = UInt8(scalar.value)
                let isLetter = (byte | 0x20) &- 0x61 < 26
                if isLetter {
                    let cased = atWordStart ? (byte & 0xDF) : (byte | 0x20)
                    result.unicodeScalars.append(Unicode.Scalar(cased))
                } else {
                    result.unicodeScalars.append(scalar)
                }
                atWordStart = !(isLetter || byte &- 0x30 < 10 || byte == 0x27)
                continue
            }
            let properties = scalar.properties
            if properties.isAlphabetic {
                result += atWordStart ? properties.titlecaseMapping : properties.lowercaseMapping
                atWordStart = false
            } else {
                result.unicodeScalars.append(scalar)
                switch properties.generalCategory {
                case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber:
                    atWordStart = false
                default:
                    atWordStart = scalar != "\u{2019}"  // right single quotation mark, the typographic apostrophe
                }
            }
        }
        return result
    }

    /// The slow path for text with non-ASCII scalars; ASCII scalars follow the fast path's rule.
    private static func mapScalars(
        _ text: String, ascii: (UInt8) -> UInt8, _ mapping: (Unicode.Scalar) -> String
    ) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                result.unicodeScalars.append(Unicode.Scalar(ascii(UInt8(scalar.value))))
            } else {
                result += mapping(scalar)
            }
        }
        return result
    }

    private static func mapASCII(_ text: String, _ transform: (UInt8) -> UInt8) -> String {
        withBytes(text) { bytes in
            String(unsafeUninitializedCapacity: bytes.count) { buffer in
                for index in 0..<bytes.count { buffer[index] = transform(bytes[index]) }
                return bytes.count
            }
        }
    }

    // MARK: White space

    static func isWhiteSpace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return isASCIIWhiteSpace(UInt8(scalar.value)) }
        return scalar.properties.isWhitespace
    }

    private static func isASCIIWhiteSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte &- 0x09 < 5 }

    /// Removes leading and trailing Unicode white space; returns `text` itself if there is none.
    static func trimmed(_ text: String) -> String {
        let untouched = withBytes(text) { bytes in
            guard let first = bytes.first, let last = bytes.last else { return true }
            return first < 0x80 && last < 0x80 && !isASCIIWhiteSpace(first) && !isASCIIWhiteSpace(last)
        }
        if untouched { return text }
        let scalars = text.unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, isWhiteSpace(scalars[start]) { start = scalars.index(after: start) }
        while start < end {
            let last = scalars.index(before: end)
            guard isWhiteSpace(scalars[last]) else { break }
            end = last
        }
        if start == scalars.startIndex && end == scalars.endIndex { return text }
        return String(scalars[start..<end])
    }

    // MARK: Slicing

    static func scalarCount(_ text: String) -> Int {
        withBytes(text) { bytes in
            var count = 0
            for byte in bytes where byte & 0xC0 != 0x80 { count += 1 }  // bytes that start a scalar
            return count
        }
    }

    static func prefix(_ text: String, _ count: Int) -> String {
        let scalars = text.unicodeScalars
        guard let end = scalars.index(scalars.startIndex, offsetBy: count, limitedBy: scalars.endIndex) else {
            return text
        }
        return end == scalars.endIndex ? text : String(scalars[..<end])
    }

    static func suffix(_ text: String, _ count: Int) -> String {
        let scalars = text.unicodeScalars
        guard let start = scalars.index(scalars.endIndex, offsetBy: -count, limitedBy: scalars.startIndex) else {
            return text
        }
        return start == scalars.startIndex ? text : String(scalars[start...])
    }

    /// `count` scalars from the 1-based `start`; empty past the end.
    static func substring(_ text: String, start: Int, count: Int) -> String {
        let scalars = text.unicodeScalars
        guard let from = scalars.index(scalars.startIndex, offsetBy: start - 1, limitedBy: scalars.endIndex) else {
            return ""
        }
        let to = scalars.index(from, offsetBy: count, limitedBy: scalars.endIndex) ?? scalars.endIndex
        return String(scalars[from..<to])
    }

    // MARK: Searching

    /// The byte offset of the first occurrence of `needle` in `haystack` at or after `start`.
    private static func firstOffset(
        of needle: UnsafeBufferPointer<UInt8>, in haystack: UnsafeBufferPointer<UInt8>, from start: Int
    ) -> Int? {
        guard let first = needle.first, needle.count <= haystack.count else { return nil }
        var offset = start
        let last = haystack.count - needle.count
        outer: while offset <= last {
            guard haystack[offset] == first else {
                offset += 1
                continue
            }
            for i in 1..<needle.count where haystack[offset + i] != needle[i] {
                offset += 1
                continue outer
            }
            return offset
        }
        return nil
    }

    static func contains(_ haystack: String, _ needle: String) -> Bool {
        if needle.isEmpty { return true }
        var haystack = haystack
        var needle = needle
        return haystack.withUTF8 { hay in needle.withUTF8 { firstOffset(of: $0, in: hay, from: 0) != nil } }
    }

    /// Replaces every occurrence of `target`; `text` itself if there is none or `target` is empty.
    static func replacing(_ target: String, with replacement: String, in text: String) -> String {
        guard !target.isEmpty else { return text }
        var text = text
        var target = target
        return text.withUTF8 { hay in
            target.withUTF8 { needle -> String? in
                guard var offset = firstOffset(of: needle, in: hay, from: 0) else { return nil }
                var result = [UInt8]()
                result.reserveCapacity(hay.count)
                var copied = 0
                repeat {
                    result.append(contentsOf: hay[copied..<offset])
                    result.append(contentsOf: replacement.utf8)
                    copied = offset + needle.count
                    guard let next = firstOffset(of: needle, in: hay, from: copied) else { break }
                    offset = next
                } while true
                result.append(contentsOf: hay[copied...])
                return String(decoding: result, as: UTF8.self)
            }
        } ?? text
    }

    /// The pieces between separators (empty pieces kept); at most `limit`, the last holding the rest.
    static func split(_ text: String, separator: String, limit: Int = .max) -> [String] {
        precondition(!separator.isEmpty && limit >= 1)
        var text = text
        var separator = separator
        return text.withUTF8 { hay in
            separator.withUTF8 { needle in
                var pieces: [String] = []
                var start = 0
                while pieces.count < limit - 1, let offset = firstOffset(of: needle, in: hay, from: start) {
                    pieces.append(String(decoding: UnsafeBufferPointer(rebasing: hay[start..<offset]), as: UTF8.self))
                    start = offset + needle.count
                }
                pieces.append(String(decoding: UnsafeBufferPointer(rebasing: hay[start...]), as: UTF8.self))
                return pieces
            }
        }
    }

    /// `"true"`/`"false"` in any ASCII case.
    static func boolean(_ text: String) -> Bool? {
        switch text.utf8.count {
        case 4 where lowercased(text) == "true": true
        case 5 where lowercased(text) == "false": false
        default: nil
        }
    }
}
