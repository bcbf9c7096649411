/// The `server.authority:` section of `tandem.yaml`: the epoch authority every server of a
/// deployment asks before it exports (DESIGN.md, "Staging, promotion, fencing").
///
/// ```yaml
/// server:
///   authority:
///     url: postgres://tandem@db.example.org:5432/tandem   # never with a password in it
///     deployment: payroll-sync            # servers sharing one journal share it (default: tandem)
///     serverId: tandem-a                  # default: host name and process ID
///     leaseSeconds: 10                    # default 10, at least 1
///     passwordEnv: TANDEM_AUTHORITY_PASSWORD   # or passwordFile: ./secrets/authority
/// ```
///
/// `tandem serve` flags (`--authority`, `--deployment`, `--server-id`, `--lease-seconds`) override
/// these settings one by one.
public struct AuthoritySettings: Hashable, Sendable {
    /// `postgres://USER@HOST:PORT/DATABASE`, without a password.
    public var url: String
    /// The deployment's name at the authority.
    public var deployment: String?
    /// This server's name at the authority.
    public var serverID: String?
    /// How long a lease lasts without renewal.
    public var leaseSeconds: Double?
    /// Where the database password is found, if it needs one.
    public var password: ServerSettings.SecretSource?

    public init(
        url: String, deployment: String? = nil, serverID: String? = nil, leaseSeconds: Double? = nil,
        password: ServerSettings.SecretSource? = nil
    ) {
        self.url = url
        self.deployment = deployment
        self.serverID = serverID
        self.leaseSeconds = leaseSeconds
        self.password = password
    }

    /// Why `text` cannot name an epoch authority, or `nil` if it can.
    public static func problem(withURL text: String) -> String? {
        guard let schemeEnd = text.range(of: "://"),
            ["postgres", "postgresql"].contains(text[..<schemeEnd.lowerBound].lowercased())
        else { return "expected postgres://USER@HOST:PORT/DATABASE" }
        let rest = text[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        guard !authority.isEmpty, authority.last != "@" else { return "expected postgres://USER@HOST:PORT/DATABASE" }
        if let at = authority.lastIndex(of: "@"), authority[..<at].contains(":") {
            return
                "the URL must not hold a password (it would show in process listings); use passwordEnv or passwordFile"
        }
        return nil
    }
}
