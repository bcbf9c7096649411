/// Number formatting for the report: decimal megabytes (10^6 bytes), thousands separators.
enum Format {
    /// `value` with `decimals` digits after the point and thousands separators: `12,345.6`.
    static func number(_ value: Double, decimals: Int = 0) -> String {
        guard value.isFinite else { return "–" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let whole = Int(scaled / scale)
        let fraction = Int(scaled) - whole * Int(scale)
        var text = grouped(whole)
        if decimals > 0 {
            let digits = String(fraction)
            text += "." + String(repeating: "0", count: decimals - digits.count) + digits
        }
        return value < 0 && scaled > 0 ? "-" + text : text
    }

    /// An integer with thousands separators.
    static func count(_ value: Int) -> String {
        value < 0 ? "-" + grouped(-value) : grouped(value)
    }

    /// Bytes per second as MB/s.
    static func megabytesPerSecond(bytes: Int, seconds: Double) -> String {
        number(Double(bytes) / seconds / 1e6, decimals: 1) + " MB/s"
    }

    /// Bytes as MB.
    static func megabytes(_ bytes: Int) -> String {
        number(Double(bytes) / 1e6, decimals: 1) + " MB"
    }

    /// Seconds as milliseconds.
    static func milliseconds(_ seconds: Double) -> String {
        number(seconds * 1e3, decimals: seconds < 0.01 ? 2 : 1) + " ms"
    }

    /// A ratio: `0.83×`.
    static func ratio(_ value: Double) -> String {
        number(value, decimals: 2) + "×"
    }

    /// Several values with one unit: `1.0, 2.5, 3.1 MB/s`.
    static func list(_ values: [Double], unit: String, decimals: Int = 0) -> String {
        values.map { number($0, decimals: decimals) }.joined(separator: ", ") + " " + unit
    }

    private static func grouped(_ value: Int) -> String {
        let digits = Array(String(value))
        var text = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        return text
    }
}
