/// The `server:` section of `tandem.yaml`: how `tandem serve` listens, authenticates and finds its primary.
///
/// ```yaml
/// server:
///   listen: 127.0.0.1:8420
///   role: staging                       # or active (the default); `--role` overrides
///   primary: https://tandem-a.example.org:8420
///   tokenFile: ./secrets/server-token   # or tokenEnv: TANDEM_SERVER_TOKEN
///   tls: { certificate: ./tls/server.pem, key: ./tls/server.key, ca: ./tls/ca.pem }
///   authority: { url: postgres://tandem@db:5432/tandem, passwordEnv: TANDEM_AUTHORITY_PASSWORD }
///   bootstrap: auto                     # or checkpoint, journal: how an empty staging server starts
///   bootstrapThreshold: 10000           # for auto: from a checkpoint once the primary holds this many events
/// ```
///
/// The bearer token is named, never written here: one token guards every endpoint but `/healthz`,
/// and a staging server presents the same token to its primary.
public struct ServerSettings: Hashable, Sendable {
    /// Where a secret is found; resolved when the server starts.
    public enum SecretSource: Hashable, Sendable {
        /// The first line of a file (an absolute path).
        case file(String)
        /// An environment variable's value.
        case environment(String)
    }

    public enum Role: String, Hashable, Sendable, CaseIterable {
        case active
        case staging
    }

    public var listenHost: String
    public var listenPort: Int
    public var role: Role
    /// The server a staging server ships the journal from, e.g. `https://tandem-a:8420`.
    public var primaryURL: String?
    public var token: SecretSource?
    /// PEM certificate chain and private key (absolute paths): the server speaks HTTPS when set.
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    /// PEM certificates a staging server trusts for its primary, beside the system's.
    public var tlsCAPath: String?
    /// The epoch authority (``AuthoritySettings``); `nil`: promotion is manual.
    public var authority: AuthoritySettings?
    /// How a staging server with an empty journal starts: `auto`, `checkpoint` or `journal`
    /// (`tandem serve --bootstrap`); `nil`: auto.
    public var bootstrap: String?
    /// For `auto`: the primary's journal length (events) from which a checkpoint is preferred; `nil`: the default.
    public var bootstrapThresholdSeqs: UInt64?

    public init(
        listenHost: String = "127.0.0.1", listenPort: Int = 8420, role: Role = .active, primaryURL: String? = nil,
        token: SecretSource? = nil, tlsCertificatePath: String? = nil, tlsKeyPath: String? = nil,
        tlsCAPath: String? = nil, authority: AuthoritySettings? = nil
    ) {
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.role = role
        self.primaryURL = primaryURL
        self.token = token
        self.tlsCertificatePath = tlsCertificatePath
        self.tlsKeyPath = tlsKeyPath
        self.tlsCAPath = tlsCAPath
        self.authority = authority
    }

    /// Parses `HOST:PORT` (`[v6]:PORT` for IPv6); `nil` if it is not one.
    public static func parseListenAddress(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        guard let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port), !host.isEmpty else {
            return nil
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }
}
