/// Number formatting for the report: thousands separators, decimal megabytes, binary KiB/MiB for memory.
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

    /// Seconds, with two decimals under 10 s.
    static func seconds(_ value: Double) -> String {
        number(value, decimals: value < 10 ? 2 : 1) + " s"
    }

    /// A rate: `12,345 objects/s`.
    static func rate(_ count: Int, _ seconds: Double, _ unit: String) -> String {
        number(Double(count) / seconds) + " \(unit)/s"
    }

    /// Bytes per second as MB/s (10^6).
    static func megabytesPerSecond(bytes: Int, seconds: Double) -> String {
        number(Double(bytes) / seconds / 1e6, decimals: 1) + " MB/s"
    }

    /// Bytes as MB (10^6).
    static func megabytes(_ bytes: Int) -> String {
        number(Double(bytes) / 1e6, decimals: 1) + " MB"
    }

    /// Memory as MiB.
    static func mebibytes(_ bytes: Int) -> String {
        number(Double(bytes) / 1_048_576, decimals: 0) + " MiB"
    }

    /// Memory as KiB, with two decimals.
    static func kibibytes(_ bytes: Double) -> String {
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
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
