import ConnectorKit

/// A date format of `FormatDateTime`, compiled once: UTC only, no locale.
///
/// Tokens: `yyyy` (year, 4 digits, 0000–9999), `MM` (month), `dd` (day), `HH` (hour, 00–23),
/// `mm` (minute), `ss` (second), `f` to `ffffff` (that many fraction digits, truncated).
/// `'…'` quotes literal text, `\` makes the next character literal, and the letters `T` and
/// `Z` stand for themselves, as do all non-letters. Any other letter run (`MMM`, `tt`, `yy`) is
/// rejected rather than passed through. Parsing needs every field in exactly its width; fields
/// missing from an input format default to 1970-01-01T00:00:00.
package struct DateTimeFormat: Hashable, Sendable {
    enum Field: Hashable, Sendable {
        case year, month, day, hour, minute, second
        case fraction(digits: Int)
        case literal([UInt8])
    }

    /// Why a pattern does not compile.
    struct InvalidPattern: Error {
        var message: String
    }

    let fields: [Field]

    init(pattern: String) throws(InvalidPattern) {
        var fields: [Field] = []
        func literal(_ text: some Sequence<UInt8>) {
            if case .literal(let previous) = fields.last {
                fields[fields.count - 1] = .literal(previous + text)
            } else {
                fields.append(.literal(Array(text)))
            }
        }
        let scalars = Array(pattern.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case "'":
                guard let end = scalars[(index + 1)...].firstIndex(of: "'") else {
                    throw InvalidPattern(message: "unterminated quoted text")
                }
                literal(String(String.UnicodeScalarView(scalars[(index + 1)..<end])).utf8)
                index = end + 1
            case "\\":
                guard index + 1 < scalars.count else { throw InvalidPattern(message: "a '\\' ends the format") }
                literal(String(scalars[index + 1]).utf8)
                index += 2
            case "a"..."z", "A"..."Z":
                var end = index + 1
                while end < scalars.count, scalars[end] == scalar { end += 1 }
                let run = end - index
                switch (scalar, run) {
                case ("y", 4): fields.append(.year)
                case ("M", 2): fields.append(.month)
                case ("d", 2): fields.append(.day)
                case ("H", 2): fields.append(.hour)
                case ("m", 2): fields.append(.minute)
                case ("s", 2): fields.append(.second)
                case ("f", 1...6): fields.append(.fraction(digits: run))
                case ("T", _), ("Z", _): literal(String(repeating: String(scalar), count: run).utf8)
                default:
                    let token = String(repeating: String(scalar), count: run)
                    throw InvalidPattern(message: "unsupported format token '\(token)'")
                }
                index = end
            default:
                literal(String(scalar).utf8)
                index += 1
            }
        }
        self.fields = fields
    }

    /// The date as text; `nil` if its year is outside 0000–9999.
    func format(microseconds: Int64) -> String? {
        let seconds = microseconds >= 0 ? microseconds / 1_000_000 : (microseconds - 999_999) / 1_000_000
        let fraction = microseconds - seconds * 1_000_000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = ISO8601.civil(fromDays: days)
        guard (0...9999).contains(year) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        func digits(_ value: Int64, _ width: Int) {
            var divisor: Int64 = 1
            for _ in 1..<width { divisor *= 10 }
            while divisor > 0 {
                bytes.append(UInt8(48 + value / divisor % 10))
                divisor /= 10
            }
        }
        for field in fields {
            switch field {
            case .year: digits(year, 4)
            case .month: digits(month, 2)
            case .day: digits(day, 2)
            case .hour: digits(secondOfDay / 3600, 2)
            case .minute: digits(secondOfDay / 60 % 60, 2)
            case .second: digits(secondOfDay % 60, 2)
            case .fraction(let count):
                var scaled = fraction
                for _ in count..<6 { scaled /= 10 }
                digits(scaled, count)
            case .literal(let text): bytes.append(contentsOf: text)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The date the text spells in this format, in microseconds since 1970; `nil` if it doesn't match.
    func parse(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ width: Int) -> Int64? {
            guard index + width <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[index..<index + width] {
                guard byte &- 48 < 10 else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            index += width
            return value
        }
        var (year, month, day, hour, minute, second, fraction): (Int64, Int64, Int64, Int64, Int64, Int64, Int64) =
            (1970, 1, 1, 0, 0, 0, 0)
        for field in fields {
            switch field {
            case .year: guard let value = number(4) else { return nil }; year = value
            case .month: guard let value = number(2), (1...12).contains(value) else { return nil }; month = value
            case .day: guard let value = number(2), value >= 1 else { return nil }; day = value
            case .hour: guard let value = number(2), value < 24 else { return nil }; hour = value
            case .minute: guard let value = number(2), value < 60 else { return nil }; minute = value
            case .second: guard let value = number(2), value < 60 else { return nil }; second = value
            case .fraction(let count):
                guard var value = number(count) else { return nil }
                for _ in count..<6 { value *= 10 }
                fraction = value
            case .literal(let literal):
                guard index + literal.count <= bytes.count, bytes[index..<index + literal.count].elementsEqual(literal)
                else { return nil }
                index += literal.count
            }
        }
        guard index == bytes.count, day <= ISO8601.daysIn(month, of: year) else { return nil }
        let days = ISO8601.days(fromCivil: year, month, day)
        return (days * 86_400 + (hour * 60 + minute) * 60 + second) * 1_000_000 + fraction
    }
}
