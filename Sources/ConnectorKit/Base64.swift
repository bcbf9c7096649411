/// Standard base64 with padding (RFC 4648 § 4), the form binary attribute values take in files and in the plug-in
/// protocol. Shared by the connectors that read and write it, so that they accept exactly the same text.
///
/// Not Foundation's `Data(base64Encoded:)`: on Linux it accepts padding in the middle of the text (`AA=A`) and
/// text of padding alone (`====`), turning malformed values into bytes silently, it cannot say what is wrong or
/// where, and its result would need copying into the `[UInt8]` that ``AttributeValue/binary(_:)`` holds.
package enum Base64 {
    /// Why a text is not padded standard base64, and where. It never quotes the text: a value's content stays
    /// out of messages.
    package struct DecodingError: Error, Hashable, Sendable, CustomStringConvertible {
        /// The offset (in UTF-8 bytes, from 0) of the first character in error, or the length when the length
        /// itself is wrong.
        package var offset: Int
        package var description: String
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Each byte's 6-bit value, or `0xFF` for bytes outside the alphabet (`=` included).
    private static let sextets: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    package static func encode(_ bytes: [UInt8]) -> String {
        let length = (bytes.count + 2) / 3 * 4
        return String(unsafeUninitializedCapacity: length) { output in
            alphabet.withUnsafeBufferPointer { alphabet in
                var out = 0
                var index = 0
                while index + 2 < bytes.count {
                    let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
                    output[out] = alphabet[Int(chunk >> 18 & 63)]
                    output[out + 1] = alphabet[Int(chunk >> 12 & 63)]
                    output[out + 2] = alphabet[Int(chunk >> 6 & 63)]
                    output[out + 3] = alphabet[Int(chunk & 63)]
                    out += 4
                    index += 3
                }
                let remaining = bytes.count - index
                if remaining > 0 {
                    let chunk = UInt32(bytes[index]) << 16 | (remaining == 2 ? UInt32(bytes[index + 1]) << 8 : 0)
                    output[out] = alphabet[Int(chunk >> 18 & 63)]
                    output[out + 1] = alphabet[Int(chunk >> 12 & 63)]
                    output[out + 2] = remaining == 2 ? alphabet[Int(chunk >> 6 & 63)] : UInt8(ascii: "=")
                    output[out + 3] = UInt8(ascii: "=")
                    out += 4
                }
                return out
            }
        }
    }

    /// The bytes `text` encodes. Padding is required, and only at the end (`=` or `==` in the last group);
    /// nothing else, whitespace included, may appear outside the alphabet. Bits left over in the last group are
    /// ignored, as RFC 4648 allows.
    package static func decode(_ text: String) throws(DecodingError) -> [UInt8] {
        var text = text
        let result: Result<[UInt8], DecodingError> = text.withUTF8 { input in
            do throws(DecodingError) {
                return .success(try decode(input))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private static func decode(_ input: UnsafeBufferPointer<UInt8>) throws(DecodingError) -> [UInt8] {
        guard input.count % 4 == 0 else {
            // A stray character (a line break, a space) is the likelier mistake, and explains the length.
            if let offset = input.firstIndex(where: { sextets[Int($0)] == 0xFF && $0 != UInt8(ascii: "=") }) {
                throw DecodingError(
                    offset: offset, description: "has a character outside the base64 alphabet at offset \(offset)")
            }
            throw DecodingError(
                offset: input.count,
                description: "is \(input.count) characters long, not a multiple of 4 (padded with '=')")
        }
        var padding = 0
        if let last = input.last, last == UInt8(ascii: "=") {
            padding = input[input.count - 2] == UInt8(ascii: "=") ? 2 : 1
        }
        let body = input.count - padding
        var output = [UInt8](repeating: 0, count: input.count / 4 * 3 - padding)
        try output.withUnsafeMutableBufferPointer { (output) throws(DecodingError) in
            try decode(input, body: body, padding: padding, into: output)
        }
        return output
    }

    private static func decode(
        _ input: UnsafeBufferPointer<UInt8>, body: Int, padding: Int, into output: UnsafeMutableBufferPointer<UInt8>
    ) throws(DecodingError) {
        try sextets.withUnsafeBufferPointer { (sextets) throws(DecodingError) in
            func value(at offset: Int) throws(DecodingError) -> UInt32 {
                let value = sextets[Int(input[offset])]
                guard value != 0xFF else {
                    throw DecodingError(
                        offset: offset,
                        description: input[offset] == UInt8(ascii: "=")
                            ? "has padding '=' before its end, at offset \(offset)"
                            : "has a character outside the base64 alphabet at offset \(offset)")
                }
                return UInt32(value)
            }
            var index = 0
            var out = 0
            while index + 4 <= body {
                let chunk =
                    try value(at: index) << 18 | value(at: index + 1) << 12 | value(at: index + 2) << 6
                    | value(at: index + 3)
                output[out] = UInt8(truncatingIfNeeded: chunk >> 16)
                output[out + 1] = UInt8(truncatingIfNeeded: chunk >> 8)
                output[out + 2] = UInt8(truncatingIfNeeded: chunk)
                index += 4
                out += 3
            }
            if padding > 0 {
                // The last group: two or three characters, then the padding.
                var chunk = try value(at: index) << 18 | value(at: index + 1) << 12
                if padding == 1 { chunk |= try value(at: index + 2) << 6 }
                output[out] = UInt8(truncatingIfNeeded: chunk >> 16)
                if padding == 1 { output[out + 1] = UInt8(truncatingIfNeeded: chunk >> 8) }
            }
        }
    }
}
