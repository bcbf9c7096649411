import TandemEngine

/// Everything `tandem serve` needs beyond the configuration file: the resolved role, addresses and
/// token (the command line overrides the configuration's `server:` section), and tuning.
public struct ServerOptions: Sendable {
    public var role: ServerSettings.Role
    public var listenHost: String
    /// 0 picks a free port; the server reports the one it bound.
    public var listenPort: Int
    /// Where a staging server ships the journal from.
    public var primaryURL: String?
    public var token: BearerToken
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    public var tlsCAPath: String?
    /// How often the active server runs a delta cycle.
    public var scheduleInterval: Duration
    /// A journal stream with nothing new for this long ends; the staging server reconnects at once.
    /// Keeps idle connections honest (a dead primary is noticed) without heartbeats inside the stream.
    public var shippingIdleTimeout: Duration = .seconds(15)
    /// A journal stream ends after this long even if busy, so that no response lives forever.
    public var shippingMaxStreamDuration: Duration = .seconds(60)
    /// How often a staging server asks its primary for its journal head (for lag).
    public var headPollInterval: Duration = .seconds(1)
    /// When a staging server with an empty journal bootstraps from its primary's checkpoint.
    public var bootstrap: StagingBootstrapPolicy = .automatic()
    /// Whether a plain-HTTP journal stream sends segment bytes with `sendfile` (TLS never does):
    /// off only to compare the two paths, or where `sendfile` misbehaves.
    public var shippingSendfile = true
    /// Test hooks: faults injected into shipping (never set in production).
    public var faults = ShippingFaults()

    public init(
        role: ServerSettings.Role, listenHost: String, listenPort: Int, primaryURL: String?, token: BearerToken,
        tlsCertificatePath: String? = nil, tlsKeyPath: String? = nil, tlsCAPath: String? = nil,
        scheduleInterval: Duration = .seconds(1_800)
    ) {
        self.role = role
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.primaryURL = primaryURL
        self.token = token
        self.tlsCertificatePath = tlsCertificatePath
        self.tlsKeyPath = tlsKeyPath
        self.tlsCAPath = tlsCAPath
        self.scheduleInterval = scheduleInterval
    }

    /// Options from the configuration's `server:` section, with command-line overrides.
    ///
    /// - Throws: ``ServerError`` `.configuration` if the token cannot be read, the listen address is
    ///   malformed, or a staging server has no primary.
    public static func resolve(
        _ configuration: Configuration, role: ServerSettings.Role?, primaryURL: String?, listen: String?
    ) throws -> ServerOptions {
        let settings = configuration.server
        var host = settings.listenHost
        var port = settings.listenPort
        if let listen {
            guard let address = ServerSettings.parseListenAddress(listen) else {
                throw ServerError(.configuration, "--listen \(listen): expected HOST:PORT, e.g. 127.0.0.1:8420")
            }
            (host, port) = address
        }
        let role = role ?? settings.role
        let primary = primaryURL ?? settings.primaryURL
        if let primary, !(primary.hasPrefix("http://") || primary.hasPrefix("https://")) {
            throw ServerError(.configuration, "--primary \(primary): expected an http:// or https:// URL")
        }
        if role == .staging && primary == nil {
            throw ServerError(
                .configuration, "a staging server needs its primary: pass --primary URL or set server.primary")
        }
        var options = ServerOptions(
            role: role, listenHost: host, listenPort: port, primaryURL: primary,
            token: try BearerToken.resolve(settings.token), tlsCertificatePath: settings.tlsCertificatePath,
            tlsKeyPath: settings.tlsKeyPath, tlsCAPath: settings.tlsCAPath,
            scheduleInterval: configuration.scheduleInterval)
        options.primaryURL = primary.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        return options
    }
}

/// Faults a test injects into shipping to prove the staging server rejects and refetches damaged
/// frames and survives a kill mid-shipment. Set only through `TANDEM_TEST_*` environment variables.
public struct ShippingFaults: Sendable {
    /// Flip one bit of the byte at this offset of the first journal stream received.
    public var flipReceivedByteAt: Int?
    /// Sleep this long after each batch of shipped frames is committed (slows shipping down).
    public var pauseAfterCommit: Duration?
    /// Commit at most this many bytes of frames at once.
    public var maxBatchBytes: Int?
    /// Sleep this long before applying each batch of durable frames (applying falls behind).
    public var pauseBeforeApply: Duration?
    /// Flip one bit of the byte at this offset of the first checkpoint file downloaded (staging side).
    public var flipCheckpointByteAt: Int?
    /// Announce this journal UUID for offered checkpoints (active side: a foreign checkpoint).
    public var checkpointJournalID: String?

    public init() {}

    /// Reads `TANDEM_TEST_FLIP_SHIPPED_BYTE`, `TANDEM_TEST_SHIPPING_PAUSE_MS`, `TANDEM_TEST_SHIPPING_BATCH_BYTES`,
    /// `TANDEM_TEST_APPLY_PAUSE_MS`,
    /// `TANDEM_TEST_FLIP_CHECKPOINT_BYTE` and `TANDEM_TEST_CHECKPOINT_JOURNAL_ID`.
    public static func fromEnvironment(_ environment: [String: String]) -> ShippingFaults {
        var faults = ShippingFaults()
        faults.flipReceivedByteAt = environment["TANDEM_TEST_FLIP_SHIPPED_BYTE"].flatMap { Int($0) }
        faults.pauseAfterCommit = environment["TANDEM_TEST_SHIPPING_PAUSE_MS"].flatMap { Int($0) }.map {
            .milliseconds($0)
        }
        faults.maxBatchBytes = environment["TANDEM_TEST_SHIPPING_BATCH_BYTES"].flatMap { Int($0) }
        faults.pauseBeforeApply = environment["TANDEM_TEST_APPLY_PAUSE_MS"].flatMap { Int($0) }.map {
            .milliseconds($0)
        }
        faults.flipCheckpointByteAt = environment["TANDEM_TEST_FLIP_CHECKPOINT_BYTE"].flatMap { Int($0) }
        faults.checkpointJournalID = environment["TANDEM_TEST_CHECKPOINT_JOURNAL_ID"]
        return faults
    }
}
