import ConnectorKit

/// What a SCIM delta import starts from: the latest `meta.lastModified` seen, and when everything was last
/// listed (by a full import or a delta import that listed everything to find deletes).
///
/// Written as `scim1;lastModified=2026-11-25T16:24:24.883828Z;listed=2026-11-25T16:30:00Z` (`lastModified=-`
/// before any resource was seen), so operators can read it in the journal.
struct SCIMWatermark: Hashable, Sendable {
    /// Microseconds since 1970 of the newest `meta.lastModified` seen.
    var lastModified: Int64?
    /// Microseconds since 1970 (this machine's clock) when the latest full listing started.
    var listed: Int64

    var watermark: Watermark {
        Watermark(
            "scim1;lastModified=\(lastModified.map(ISO8601.format(microseconds:)) ?? "-");listed="
                + ISO8601.format(microseconds: listed))
    }

    init(lastModified: Int64?, listed: Int64) {
        self.lastModified = lastModified
        self.listed = listed
    }

    /// Parses a watermark this connector wrote; `nil` for anything else.
    init?(_ watermark: Watermark) {
        let parts = watermark.value.split(separator: ";").map(String.init)
        guard parts.count == 3, parts[0] == "scim1", parts[1].hasPrefix("lastModified="), parts[2].hasPrefix("listed="),
            let listed = ISO8601.parse(String(parts[2].dropFirst("listed=".count)))
        else { return nil }
        let modified = String(parts[1].dropFirst("lastModified=".count))
        if modified == "-" {
            lastModified = nil
        } else {
            guard let value = ISO8601.parse(modified) else { return nil }
            lastModified = value
        }
        self.listed = listed
    }
}
