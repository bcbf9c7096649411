/// Number formatting for the report: thousands separators, decimal megabytes, binary KiB/MiB for memory.
public enum Format {
    /// `value` with `decimals` digits after the point and thousands separators: `12,345.6`.
    public static func number(_ value: Double, decimals: Int = 0) -> String {
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
    public static func count(_ value: Int) -> String {
        value < 0 ? "-" + grouped(-value) : grouped(value)
    }

    /// Seconds, with two decimals under 10 s.
    public static func seconds(_ value: Double) -> String {
        number(value, decimals: value < 10 ? 2 : 1) + " s"
    }

    /// A rate: `12,345 objects/s`.
    public static func rate(_ count: Int, _ seconds: Double, _ unit: String) -> String {
        number(Double(count) / seconds) + " \(unit)/s"
    }

    /// Bytes per second as MB/s (10^6).
    public static func megabytesPerSecond(bytes: Int, seconds: Double) -> String {
        number(Double(bytes) / seconds / 1e6, decimals: 1) + " MB/s"
    }

    /// Bytes as MB (10^6).
    public static func megabytes(_ bytes: Int) -> String {
        number(Double(bytes) / 1e6, decimals: 1) + " MB"
    }

    /// Memory as MiB.
    public static func mebibytes(_ bytes: Int) -> String {
        number(Double(bytes) / 1_048_576, decimals: 0) + " MiB"
    }

    /// Memory as KiB, with two decimals.
    public static func kibibytes(_ bytes: Double) -> String {
        number(bytes / 1024, decimals: 2) + " KiB"
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

    /// Seconds as milliseconds.
    public static func milliseconds(_ seconds: Double) -> String {
        number(seconds * 1e3, decimals: seconds < 0.01 ? 2 : 1) + " ms"
    }

    /// A ratio: `0.83×`.
    public static func ratio(_ value: Double) -> String {
        number(value, decimals: 2) + "×"
    }

    /// Several values with one unit: `1.0, 2.5, 3.1 MB/s`.
    public static func list(_ values: [Double], unit: String, decimals: Int = 0) -> String {
        values.map { number($0, decimals: decimals) }.joined(separator: ", ") + " " + unit
    }
}

extension Duration {
    /// The duration in seconds.
    public var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
