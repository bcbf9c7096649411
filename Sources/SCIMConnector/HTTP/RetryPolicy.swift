import ConnectorKit

/// How often and how long to wait before retrying a request the service refused for now (429, 5xx, a timeout).
struct RetryPolicy: Hashable, Sendable {
    /// Attempts in all, the first included.
    var attempts: Int
    /// The wait after the first failure; doubled after each further one.
    var baseDelay: Duration
    /// The longest wait; a `Retry-After` asking for more ends the retries instead.
    var maxDelay: Duration

    /// The wait before attempt `attempt + 1`, after attempt `attempt` (1-based) failed; `nil` when no attempt is left
    /// or the service asked for a longer wait than ``maxDelay``. `jitter` in 0...1 spreads clients that failed
    /// together (the caller passes a random number; tests pass a fixed one).
    func delay(after attempt: Int, retryAfter: Duration?, jitter: Double) -> Duration? {
        guard attempt < attempts else { return nil }
        if let retryAfter {
            return retryAfter <= maxDelay ? max(retryAfter, .zero) : nil
        }
        var backoff = baseDelay
        for _ in 1..<attempt where backoff < maxDelay { backoff *= 2 }
        backoff = min(backoff, maxDelay)
        // Between half and all of the backoff.
        return backoff * (0.5 + 0.5 * min(max(jitter, 0), 1))
    }

    /// Parses a `Retry-After` value (RFC 9110 §10.2.3): seconds, or an HTTP date compared with `now` (seconds
    /// since 1970). `nil` if malformed.
    static func parseRetryAfter(_ text: String, now: Int64) -> Duration? {
        let trimmed = text.trimmingSpaces
        if let seconds = Int64(trimmed), seconds >= 0 { return .seconds(seconds) }
        // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
        let parts = trimmed.split(separator: " ")
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard parts.count == 6, parts[5] == "GMT", let day = Int64(parts[1]),
            let month = months.firstIndex(of: String(parts[2])), let year = Int64(parts[3])
        else { return nil }
        let time = parts[4].split(separator: ":").compactMap { Int64($0) }
        guard time.count == 3 else { return nil }
        let date = "\(year)-\(month + 1 < 10 ? "0" : "")\(month + 1)-\(day < 10 ? "0" : "")\(day)"
        guard let midnight = ISO8601.parse(date) else { return nil }
        let at = midnight / 1_000_000 + time[0] * 3600 + time[1] * 60 + time[2]
        return .seconds(max(at - now, 0))
    }
}

extension String {
    var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return String(text)
    }
}
