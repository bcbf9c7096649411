import ConnectorKit

/// A SCIM connector's settings, read and checked from its configuration (see ``SCIMConnector``).
struct SCIMConnectorSettings: Sendable {
    static let knownKeys: Set<String> = [
        "url", "token", "tokenEnv", "tokenFile", "objectTypes", "pageSize", "timeout", "fullImportInterval",
        "deltaOverlap",
        "retryAttempts", "retryBaseDelay", "retryMaxDelay", "patch", "etags",
    ]

    /// The connector's name, for messages.
    var name: String
    /// The service's base URL without a trailing slash: `https://scim.example.net/v2`.
    var baseURL: String
    var token: Secret
    /// The resource types imported and exported, in import order.
    var objectTypes: [ObjectType]
    var pageSize: Int
    var timeout: Duration
    /// How long delta imports may rely on the `meta.lastModified` filter before one lists everything to find
    /// deletes (which the filter cannot show). Zero makes every delta import list everything.
    var fullImportInterval: Duration
    /// How far before the watermark a delta import's filter starts, for writes committed after a later one.
    var deltaOverlap: Duration
    var retry: RetryPolicy
    /// `false` when `patch: never`: updates are written with PUT even if the service supports PATCH.
    var allowsPatch: Bool
    /// `false` when `etags: never`: no `If-Match`, even if the service supports ETags.
    var allowsETags: Bool

    init(_ configuration: ConnectorConfiguration) throws(ConnectorError) {
        do {
            try self.init(checking: configuration)
        } catch let error as ConnectorError {
            throw error
        } catch {
            throw ConnectorError(.invalidConfiguration, "connectors.\(configuration.name): \(error)")
        }
    }

    private init(checking configuration: ConnectorConfiguration) throws {
        for key in configuration.settings.keys.sorted() where !Self.knownKeys.contains(key) {
            throw configuration.error(
                key, "unknown setting for a SCIM connector; known: \(Self.knownKeys.sorted().joined(separator: ", "))")
        }
        name = configuration.name
        var url = try configuration.string("url")
        while url.hasSuffix("/") { url.removeLast() }
        let lowered = url.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://"), url.count > "https://".count else {
            throw configuration.error("url", "expected an http:// or https:// URL such as https://scim.example.net/v2")
        }
        baseURL = url
        guard let token = try configuration.secret("token") else {
            throw configuration.error("tokenEnv", "a bearer token is required: set tokenEnv or tokenFile")
        }
        self.token = token
        let types = try configuration.stringList("objectTypes")
        objectTypes = types.isEmpty ? ["User", "Group"] : types.map { ObjectType($0) }
        pageSize = try configuration.integer("pageSize", default: 1000)
        guard pageSize > 0 else { throw configuration.error("pageSize", "must be at least 1") }
        timeout = try Self.duration(configuration, "timeout", default: .seconds(30))
        guard timeout > .zero else { throw configuration.error("timeout", "must be longer than zero") }
        fullImportInterval = try Self.duration(configuration, "fullImportInterval", default: .seconds(86_400))
        deltaOverlap = try Self.duration(configuration, "deltaOverlap", default: .seconds(1))
        let attempts = try configuration.integer("retryAttempts", default: 5)
        guard (1...100).contains(attempts) else { throw configuration.error("retryAttempts", "must be 1 to 100") }
        retry = RetryPolicy(
            attempts: attempts,
            baseDelay: try Self.duration(configuration, "retryBaseDelay", default: .milliseconds(500)),
            maxDelay: try Self.duration(configuration, "retryMaxDelay", default: .seconds(60)))
        allowsPatch = try Self.autoOrNever(configuration, "patch")
        allowsETags = try Self.autoOrNever(configuration, "etags")
    }

    private static func autoOrNever(_ configuration: ConnectorConfiguration, _ key: String) throws -> Bool {
        switch try configuration.optionalString(key) {
        case nil, "auto": return true
        case "never": return false
        case let other?: throw configuration.error(key, "expected auto or never, found '\(other)'")
        }
    }

    /// A duration written as `500ms`, `30s`, `15m`, `24h`, `7d`, or a number of seconds.
    static func duration(_ configuration: ConnectorConfiguration, _ key: String, default fallback: Duration) throws
        -> Duration
    {
        guard let text = try configuration.optionalString(key) else { return fallback }
        guard let duration = parseDuration(text) else {
            throw configuration.error(key, "expected a duration such as 500ms, 30s, 15m, 24h or 7d, found '\(text)'")
        }
        return duration
    }

    static func parseDuration(_ text: String) -> Duration? {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (suffix, milliseconds) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            if let value = Int64(number), value >= 0 {
                return .milliseconds(value * milliseconds)
            }
        }
        return Int64(text).flatMap { $0 >= 0 ? .seconds($0) : nil }
    }
}
