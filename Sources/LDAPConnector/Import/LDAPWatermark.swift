import ConnectorKit

/// What an LDAP import's watermark holds. Its text form is opaque to the engine.
enum LDAPWatermark: Hashable, Sendable {
    /// RFC 4533 cookies, one per configured base DN, in order.
    case contentSync(cookies: [[UInt8]])
    /// The latest `modifyTimestamp` seen (GeneralizedTime) and when every entry was last read (seconds since
    /// 1970), for directories without content sync.
    case modifyTimestamp(since: String, sweptAt: Int64)

    init?(_ watermark: Watermark) {
        let parts = watermark.value.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        switch parts.first {
        case "contentSync"?:
            var cookies: [[UInt8]] = []
            for part in parts.dropFirst() {
                guard let bytes = Self.unhex(part) else { return nil }
                cookies.append(bytes)
            }
            self = .contentSync(cookies: cookies)
        case "modifyTimestamp"? where parts.count == 3:
            guard let sweptAt = Int64(parts[2]) else { return nil }
            self = .modifyTimestamp(since: parts[1], sweptAt: sweptAt)
        default:
            return nil
        }
    }

    var watermark: Watermark {
        switch self {
        case .contentSync(let cookies):
            Watermark((["contentSync"] + cookies.map { AttributeValue.binary($0).text }).joined(separator: ";"))
        case .modifyTimestamp(let since, let sweptAt):
            Watermark("modifyTimestamp;\(since);\(sweptAt)")
        }
    }

    private static func unhex(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = UInt8(String(UnicodeScalar(digits[index])), radix: 16),
                let low = UInt8(String(UnicodeScalar(digits[index + 1])), radix: 16)
            else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}
