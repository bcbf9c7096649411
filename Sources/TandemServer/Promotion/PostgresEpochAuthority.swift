import Logging
import PostgresNIO

/// An ``EpochAuthority`` kept in one row per deployment of a PostgreSQL table, advanced by
/// conditional `UPDATE`s: PostgreSQL re-checks an `UPDATE`'s condition against the row as the
/// previous writer committed it, so of N servers asking for epoch + 1 at once exactly one wins.
/// Lease expiry is computed by the database's clock (`clock_timestamp()`), never a server's.
///
/// The caller owns the `PostgresClient` and must run it (`client.run()`) while using this.
public struct PostgresEpochAuthority: EpochAuthority {
    /// The table holding one row per deployment.
    public static let table = "tandem_epochs"

    let client: PostgresClient
    /// Which deployment (pair or group of servers sharing one journal) the row belongs to.
    public let deployment: String
    /// How long one exchange may take before the authority counts as unreachable.
    public let operationTimeout: Duration
    let logger: Logger

    public init(
        client: PostgresClient, deployment: String, operationTimeout: Duration = .seconds(5),
        logger: Logger = Logger(label: "tandem.epochs")
    ) {
        self.client = client
        self.deployment = deployment
        self.operationTimeout = operationTimeout
        self.logger = logger
    }

    /// Creates the table and the deployment's row (epoch 0, held by nobody) if they do not exist.
    /// Safe to call from several servers at once.
    public func prepare() async throws {
        try await guarded("creating the epoch table") {
            for attempt in 1...3 {
                do {
                    try await client.query(
                        """
                        CREATE TABLE IF NOT EXISTS tandem_epochs (
                            deployment text PRIMARY KEY,
                            epoch bigint NOT NULL CHECK (epoch >= 0),
                            holder text NOT NULL,
                            switch_seq bigint NOT NULL,
                            lease_expires_at timestamptz NOT NULL,
                            updated_at timestamptz NOT NULL
                        )
                        """, logger: logger)
                    break
                } catch let error as PSQLError where attempt < 3 && error.serverInfo?[.sqlState] != nil {
                    // Two servers creating the table at once: one gets a unique violation on the catalog.
                    continue
                }
            }
            try await client.query(
                """
                INSERT INTO tandem_epochs (deployment, epoch, holder, switch_seq, lease_expires_at, updated_at)
                VALUES (\(deployment), 0, '', 0, to_timestamp(0), clock_timestamp())
                ON CONFLICT (deployment) DO NOTHING
                """, logger: logger)
        }
    }

    public func current() async throws -> EpochLease {
        try await guarded("reading the current epoch") {
            let rows = try await client.query(
                """
                SELECT epoch, holder, switch_seq,
                       (extract(epoch FROM lease_expires_at - clock_timestamp()) * 1000)::bigint
                FROM tandem_epochs WHERE deployment = \(deployment)
                """, logger: logger)
            for try await row in rows.decode((Int64, String, Int64, Int64).self) { return Self.lease(row) }
            throw PromotionError(
                .invalidConfiguration,
                "the epoch authority has no record for deployment '\(deployment)'; it is created when a server first starts as active"
            )
        }
    }

    public func acquire(after epoch: UInt64, holder: String, switchSeq: UInt64, leaseDuration: Duration)
        async throws -> EpochClaim
    {
        let milliseconds = Self.milliseconds(leaseDuration)
        let granted = try await guarded("acquiring epoch \(epoch + 1)") {
            try await updated(
                client.query(
                    """
                    UPDATE tandem_epochs
                    SET epoch = epoch + 1, holder = \(holder), switch_seq = \(Int64(switchSeq)),
                        lease_expires_at = clock_timestamp() + \(milliseconds)::float8 * interval '1 millisecond',
                        updated_at = clock_timestamp()
                    WHERE deployment = \(deployment) AND epoch = \(Int64(epoch))
                      AND (lease_expires_at <= clock_timestamp() OR holder = \(holder))
                    RETURNING epoch, holder, switch_seq,
                              (extract(epoch FROM lease_expires_at - clock_timestamp()) * 1000)::bigint
                    """, logger: logger))
        }
        if let granted {
            logger.notice("acquired an epoch", metadata: ["epoch": "\(granted.epoch)", "holder": "\(holder)"])
            return .granted(granted)
        }
        let now = try await current()
        return .refused(now, now.epoch != epoch ? .epochMoved : .leaseHeld)
    }

    public func renew(epoch: UInt64, holder: String, leaseDuration: Duration) async throws -> EpochClaim {
        let milliseconds = Self.milliseconds(leaseDuration)
        let granted = try await guarded("renewing the lease on epoch \(epoch)") {
            try await updated(
                client.query(
                    """
                    UPDATE tandem_epochs
                    SET lease_expires_at = clock_timestamp() + \(milliseconds)::float8 * interval '1 millisecond',
                        updated_at = clock_timestamp()
                    WHERE deployment = \(deployment) AND epoch = \(Int64(epoch)) AND holder = \(holder)
                      AND lease_expires_at > clock_timestamp()
                    RETURNING epoch, holder, switch_seq,
                              (extract(epoch FROM lease_expires_at - clock_timestamp()) * 1000)::bigint
                    """, logger: logger))
        }
        if let granted { return .granted(granted) }
        let now = try await current()
        return .refused(now, now.epoch != epoch ? .epochMoved : now.holder != holder ? .notHolder : .leaseLapsed)
    }

    public func release(epoch: UInt64, holder: String) async throws -> EpochClaim {
        let released = try await guarded("releasing the lease on epoch \(epoch)") {
            try await updated(
                client.query(
                    """
                    UPDATE tandem_epochs
                    SET lease_expires_at = clock_timestamp(), updated_at = clock_timestamp()
                    WHERE deployment = \(deployment) AND epoch = \(Int64(epoch)) AND holder = \(holder)
                    RETURNING epoch, holder, switch_seq,
                              (extract(epoch FROM lease_expires_at - clock_timestamp()) * 1000)::bigint
                    """, logger: logger))
        }
        if let released {
            logger.notice("released the lease", metadata: ["epoch": "\(epoch)", "holder": "\(holder)"])
            return .granted(released)
        }
        let now = try await current()
        return .refused(now, now.epoch != epoch ? .epochMoved : .notHolder)
    }

    private func updated(_ rows: PostgresRowSequence) async throws -> EpochLease? {
        for try await row in rows.decode((Int64, String, Int64, Int64).self) { return Self.lease(row) }
        return nil
    }

    private static func lease(_ row: (Int64, String, Int64, Int64)) -> EpochLease {
        EpochLease(
            epoch: UInt64(max(0, row.0)), holder: row.1, switchSeq: UInt64(max(0, row.2)),
            leaseRemaining: .milliseconds(row.3))
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// Runs one exchange with the database; failures become ``PromotionError`` `.authorityUnavailable`
    /// naming what was being done (PostgreSQL's own message as the cause, never the password).
    private func guarded<T: Sendable>(_ what: String, _ body: @escaping @Sendable () async throws -> T) async throws
        -> T
    {
        do {
            return try await withThrowingTaskGroup(of: T.self) { group in
                group.addTask { try await body() }
                group.addTask {
                    try await Task.sleep(for: operationTimeout)
                    throw PromotionError(
                        .authorityUnavailable,
                        "epoch authority (PostgreSQL, deployment '\(deployment)'): \(what) got no answer within \(operationTimeout.formattedSeconds); check that the database is reachable"
                    )
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
        } catch let error as PromotionError {
            throw error
        } catch let error as PSQLError {
            let detail = error.serverInfo?[.message] ?? "\(error.code)"
            throw PromotionError(
                .authorityUnavailable,
                "epoch authority (PostgreSQL, deployment '\(deployment)'): \(what) failed; check that the database is reachable",
                cause: detail)
        } catch {
            throw PromotionError(
                .authorityUnavailable,
                "epoch authority (PostgreSQL, deployment '\(deployment)'): \(what) failed", cause: "\(error)")
        }
    }
}
