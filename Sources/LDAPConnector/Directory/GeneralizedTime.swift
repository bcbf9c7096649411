import ConnectorKit

/// LDAP's GeneralizedTime (RFC 4517 3.3.13): `YYYYMMDDHH[MM[SS]][.fraction](Z|±HHMM)`, to and from
/// microseconds since 1970 (ConnectorKit's date values).
enum GeneralizedTime {
    static func parse(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        func digits(_ start: Int, _ count: Int) -> Int64? {
            guard start + count <= bytes.count else { return nil }
            var value: Int64 = 0
            for index in start..<start + count {
                guard bytes[index] >= 48, bytes[index] <= 57 else { return nil }
                value = value * 10 + Int64(bytes[index] - 48)
            }
            return value
        }
        guard let year = digits(0, 4), let month = digits(4, 2), let day = digits(6, 2), let hour = digits(8, 2),
            (1...12).contains(month), (1...ISO8601.daysIn(month, of: year)).contains(day), hour < 24
        else { return nil }
        var index = 10
        var minute: Int64 = 0
        var second: Int64 = 0
        if let value = digits(index, 2) {
            minute = value
            index += 2
            if let value = digits(index, 2) {
                second = value
                index += 2
            }
        }
        guard minute < 60, second < 61 else { return nil }
        var fraction: Int64 = 0
        if index < bytes.count, bytes[index] == 46 || bytes[index] == 44 {
            index += 1
            var count = 0
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                if count < 6 {
                    fraction = fraction * 10 + Int64(bytes[index] - 48)
                    count += 1
                }
                index += 1
            }
            guard count > 0 else { return nil }
            for _ in count..<6 { fraction *= 10 }
        }
        var micros =
            ISO8601.days(fromCivil: year, month, day) * 86_400_000_000 + ((hour * 60 + minute) * 60 + second)
            * 1_000_000 + fraction
        guard index < bytes.count else { return nil }
        if bytes[index] == 90 { return index == bytes.count - 1 ? micros : nil }
        guard bytes[index] == 43 || bytes[index] == 45, let offsetHours = digits(index + 1, 2),
            let offsetMinutes = digits(index + 3, 2), index + 5 == bytes.count
        else { return nil }
        let offset = (offsetHours * 60 + offsetMinutes) * 60_000_000
        micros += bytes[index] == 43 ? -offset : offset
        return micros
    }

    /// `20261125134500Z`, or `20261125134500.123456Z` with a fraction.
    static func format(_ micros: Int64) -> String {
        let iso = ISO8601.format(microseconds: micros)  // 2026-11-25T13:45:00[.ffffff]Z
        return iso.filter { $0 != "-" && $0 != ":" && $0 != "T" }
    }
}
