/// Binary values as text: base64 and GUID strings, without Foundation.
enum BinaryText {
    private static let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Standard base64 (RFC 4648 §4) with `=` padding.
    static func base64(_ bytes: some Collection<UInt8>) -> String {
        var result: [UInt8] = []
        result.reserveCapacity((bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let b0 = iterator.next() {
            let b1 = iterator.next()
            let b2 = iterator.next()
            let group = UInt32(b0) << 16 | UInt32(b1 ?? 0) << 8 | UInt32(b2 ?? 0)
            result.append(base64Alphabet[Int(group >> 18 & 63)])
            result.append(base64Alphabet[Int(group >> 12 & 63)])
            result.append(b1 == nil ? UInt8(ascii: "=") : base64Alphabet[Int(group >> 6 & 63)])
            result.append(b2 == nil ? UInt8(ascii: "=") : base64Alphabet[Int(group & 63)])
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` from 16 bytes in Microsoft's `objectGUID` order: the
    /// first three groups are little-endian, the last two are in byte order.
    static func guid(_ bytes: [UInt8]) -> String {
        precondition(bytes.count == 16)
        let order = [3, 2, 1, 0, -1, 5, 4, -1, 7, 6, -1, 8, 9, -1, 10, 11, 12, 13, 14, 15]
        var result: [UInt8] = []
        result.reserveCapacity(36)
        for index in order {
            if index < 0 {
                result.append(UInt8(ascii: "-"))
            } else {
                result.append(hexDigits[Int(bytes[index] >> 4)])
                result.append(hexDigits[Int(bytes[index] & 15)])
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}
