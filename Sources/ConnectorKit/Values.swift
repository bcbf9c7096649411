/// A kind of object a connected system holds: `person`, `inetOrgPerson`, `User`, `Group`, ….
public struct ObjectType: RawRepresentable, Hashable, Comparable, Sendable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ name: String) { self.rawValue = name }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public static func < (lhs: ObjectType, rhs: ObjectType) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A connector-space object's immutable identity in its connected system: an LDAP
/// `entryUUID`, a SCIM `id`, an HR employee number. It never changes when the object is
/// renamed or moved.
public struct Anchor: RawRepresentable, Hashable, Comparable, Sendable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ value: String) { self.rawValue = value }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public static func < (lhs: Anchor, rhs: Anchor) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The kind of values an attribute holds.
public enum AttributeKind: String, Hashable, Sendable, Codable, CaseIterable {
    case string, integer, boolean, binary, date, reference
}

/// One attribute value.
///
/// Dates are microseconds since 1970-01-01T00:00:00Z, so that values compare and encode
/// exactly. A reference holds the anchor of another object in the same connected system;
/// the connector translates to and from the system's own form (an LDAP DN, a SCIM id).
public enum AttributeValue: Hashable, Sendable, Comparable, CustomStringConvertible {
    case string(String)
    case integer(Int64)
    case boolean(Bool)
    case binary([UInt8])
    case date(microsecondsSince1970: Int64)
    case reference(Anchor)

    public var kind: AttributeKind {
        switch self {
        case .string: .string
        case .integer: .integer
        case .boolean: .boolean
        case .binary: .binary
        case .date: .date
        case .reference: .reference
        }
    }

    /// The value as text, for comparisons in scoping filters and for display.
    public var text: String {
        switch self {
        case .string(let value): value
        case .integer(let value): String(value)
        case .boolean(let value): value ? "true" : "false"
        case .binary(let bytes): bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        case .date(let micros): ISO8601.format(microseconds: micros)
        case .reference(let anchor): anchor.rawValue
        }
    }

    /// Like ``text`` but never reveals content: used in default logs and error messages.
    public var redacted: String { "<\(kind.rawValue)>" }

    public var description: String { text }

    /// A total order: by kind, then by value. Used to keep multi-valued attributes canonical.
    public static func < (lhs: AttributeValue, rhs: AttributeValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): return a.utf8.lexicographicallyPrecedes(b.utf8)
        case (.integer(let a), .integer(let b)): return a < b
        case (.boolean(let a), .boolean(let b)): return !a && b
        case (.binary(let a), .binary(let b)): return a.lexicographicallyPrecedes(b)
        case (.date(let a), .date(let b)): return a < b
        case (.reference(let a), .reference(let b)): return a < b
        default:
            let order = AttributeKind.allCases
            return order.firstIndex(of: lhs.kind)! < order.firstIndex(of: rhs.kind)!
        }
    }
}

/// The values of an object's attributes, by attribute name. A single-valued attribute has
/// one value; an attribute with no values is absent (not an empty array).
public typealias Attributes = [String: [AttributeValue]]

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// ISO 8601 UTC timestamps with microseconds, without Foundation's formatters (deterministic, fast).
public enum ISO8601 {
    /// `2026-11-25T13:45:00.123456Z` (fraction omitted when zero).
    public static func format(microseconds: Int64) -> String {
        let seconds = microseconds >= 0 ? microseconds / 1_000_000 : (microseconds - 999_999) / 1_000_000
        let fraction = microseconds - seconds * 1_000_000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        var text =
            "\(String(year).leftPadded(to: 4))-\(String(month).leftPadded(to: 2))-\(String(day).leftPadded(to: 2))"
        text += "T\(String(secondOfDay / 3600).leftPadded(to: 2)):\(String(secondOfDay / 60 % 60).leftPadded(to: 2))"
        text += ":\(String(secondOfDay % 60).leftPadded(to: 2))"
        if fraction != 0 { text += "." + String(fraction).leftPadded(to: 6) }
        return text + "Z"
    }

    /// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS[.ffffff](Z|±HH:MM)`; `nil` if malformed.
    public static func parse(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int64? {
            guard range.upperBound <= bytes.count, !range.isEmpty else { return nil }
            var value: Int64 = 0
            for i in range {
                guard bytes[i] >= 48 && bytes[i] <= 57 else { return nil }
                value = value * 10 + Int64(bytes[i] - 48)
            }
            return value
        }
        guard bytes.count >= 10, bytes[4] == 45, bytes[7] == 45, let year = number(0..<4), let month = number(5..<7),
            let day = number(8..<10), (1...12).contains(month), (1...daysIn(month, of: year)).contains(day)
        else { return nil }
        var micros = days(fromCivil: year, month, day) * 86_400_000_000
        if bytes.count == 10 { return micros }
        guard bytes.count >= 20, bytes[10] == 84 || bytes[10] == 32, bytes[13] == 58, bytes[16] == 58,
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            hour < 24, minute < 60, second < 61
        else { return nil }
        micros += ((hour * 60 + minute) * 60 + second) * 1_000_000
        var index = 19
        if bytes[index] == 46 {  // fraction
            index += 1
            var digits = 0
            var fraction: Int64 = 0
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                if digits < 6 {
                    fraction = fraction * 10 + Int64(bytes[index] - 48)
                    digits += 1
                }
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<6 { fraction *= 10 }
            micros += fraction
        }
        guard index < bytes.count else { return nil }
        if bytes[index] == 90 && index == bytes.count - 1 { return micros }  // Z
        guard bytes[index] == 43 || bytes[index] == 45, bytes.count == index + 6, bytes[index + 3] == 58,
            let offsetHours = number(index + 1..<index + 3), let offsetMinutes = number(index + 4..<index + 6)
        else { return nil }
        let offset = (offsetHours * 60 + offsetMinutes) * 60_000_000
        return bytes[index] == 43 ? micros - offset : micros + offset
    }

    /// The days of `month` (1–12) in the Gregorian `year`, so that `2026-02-30` is rejected, not moved to March.
    package static func daysIn(_ month: Int64, of year: Int64) -> Int64 {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // Howard Hinnant's days-from-civil algorithms (public domain).
    package static func days(fromCivil y: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let year = m <= 2 ? y - 1 : y
        let era = (year >= 0 ? year : year - 399) / 400
        let yoe = year - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    package static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, m, d)
    }
}
