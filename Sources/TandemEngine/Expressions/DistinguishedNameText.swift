/// Reading and escaping LDAP distinguished names (RFC 4514) for `DNComponent` and `EscapeDNComponent`.
enum DistinguishedNameText {
    /// The unescaped value of each RDN, left to right (the first value of a multi-valued RDN);
    /// `nil` if `dn` is not a distinguished name. Spaces around types and values are ignored
    /// unless escaped; a `#`-prefixed (BER) value is returned as written.
    static func rdnValues(_ dn: String) -> [String]? {
        let bytes = Array(dn.utf8)
        var values: [String] = []
        var index = 0
        guard bytes.contains(where: { $0 != 0x20 }) else { return [] }
        while true {
            // The attribute type, up to '='.
            var typeLength = 0
            while index < bytes.count, bytes[index] != UInt8(ascii: "=") {
                let byte = bytes[index]
                if byte == UInt8(ascii: ",") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "\\") { return nil }
                if byte != 0x20 { typeLength += 1 }
                index += 1
            }
            guard index < bytes.count, typeLength > 0 else { return nil }
            index += 1
            // The value, up to an unescaped ',' (next RDN) or '+' (further values of this RDN, skipped).
            var value: [UInt8] = []
            var significant = 0  // the length of `value` without trailing unescaped spaces
            var inFirstValue = true
            while index < bytes.count, bytes[index] != UInt8(ascii: ",") {
                var byte = bytes[index]
                var escaped = false
                if byte == UInt8(ascii: "\\") {
                    guard index + 1 < bytes.count else { return nil }
                    if let high = hexDigit(bytes[index + 1]) {
                        guard index + 2 < bytes.count, let low = hexDigit(bytes[index + 2]) else { return nil }
                        byte = high << 4 | low
                        index += 2
                    } else {
                        byte = bytes[index + 1]
                        index += 1
                    }
                    escaped = true
                } else if byte == UInt8(ascii: "+") {
                    inFirstValue = false
                }
                index += 1
                guard inFirstValue, escaped || byte != 0x20 || !value.isEmpty else { continue }
                value.append(byte)
                if escaped || byte != 0x20 { significant = value.count }
            }
            guard let text = String(validating: value[..<significant], as: UTF8.self) else { return nil }
            values.append(text)
            guard index < bytes.count else { return values }
            index += 1  // ,
        }
    }

    private static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Escapes an RDN value: `\` before `" + , ; < > \ =`, a leading `#` or space and a trailing
    /// space; NUL as `\00`. Everything else, including non-ASCII text, is kept as UTF-8.
    static func escaped(_ value: String) -> String {
        let bytes = value.utf8
        func needsEscape(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "<"),
                UInt8(ascii: ">"), UInt8(ascii: "\\"), UInt8(ascii: "="), 0:
                true
            default: false
            }
        }
        guard let first = bytes.first, let last = bytes.last else { return value }
        if first != 0x20, first != UInt8(ascii: "#"), last != 0x20, !bytes.contains(where: needsEscape) {
            return value
        }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + 8)
        let count = bytes.count
        for (offset, byte) in bytes.enumerated() {
            if byte == 0 {
                result.append(contentsOf: "\\00".utf8)
                continue
            }
            let leading = offset == 0 && (byte == 0x20 || byte == UInt8(ascii: "#"))
            let trailing = offset == count - 1 && byte == 0x20
            if leading || trailing || needsEscape(byte) { result.append(UInt8(ascii: "\\")) }
            result.append(byte)
        }
        return String(decoding: result, as: UTF8.self)
    }
}
