import Foundation
import PostgresNIO
import TandemServer
import Testing

/// Against a real PostgreSQL started by Tests/Servers/postgres.sh. Each test uses its own deployment row.
@Suite struct PostgresEpochAuthorityTests {
    static func authority(_ client: PostgresClient) async throws -> PostgresEpochAuthority {
        let authority = PostgresEpochAuthority(
            client: client, deployment: "test-\(UUID().uuidString.prefix(8))", operationTimeout: .seconds(60))
        try await authority.prepare()
        return authority
    }

    @Test func aNewDeploymentStartsAtEpochZeroHeldByNobody() async throws {
        try await PostgresFixture.withClient { client in
            let authority = try await Self.authority(client)
            try await authority.prepare()  // idempotent
            let lease = try await authority.current()
            #expect(lease.epoch == 0)
            #expect(lease.holder == "")
            #expect(lease.isLapsed)
        }
    }

    @Test func ofManyContendersForTheNextEpochExactlyOneWins() async throws {
        try await PostgresFixture.withClient { client in
            let authority = try await Self.authority(client)
            for round in 0..<3 as Range<UInt64> {
                let claims = try await withThrowingTaskGroup(of: EpochClaim.self) { group in
                    for contender in 0..<12 {
                        group.addTask {
                            try await authority.acquire(
                                after: round, holder: "server-\(contender)", switchSeq: round * 100,
                                leaseDuration: .milliseconds(1))
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                let winners = claims.compactMap { claim -> EpochLease? in
                    if case .granted(let lease) = claim { lease } else { nil }
                }
                #expect(winners.count == 1, "round \(round): \(claims)")
                #expect(winners.first?.epoch == round + 1)
                for claim in claims {
                    if case .refused(let lease, let refusal) = claim {
                        #expect(refusal == .epochMoved)
                        #expect(lease.epoch == round + 1)
                    }
                }
                // Let the 1 ms lease lapse before the next round (judged by the database's clock).
                while try await !authority.current().isLapsed { try await Task.sleep(for: .milliseconds(5)) }
            }
            #expect(try await authority.current().epoch == 3)
        }
    }

    @Test func aHeldLeaseKeepsOthersOutUntilItLapses() async throws {
        try await PostgresFixture.withClient { client in
            let authority = try await Self.authority(client)
            guard
                case .granted(let first) = try await authority.acquire(
                    after: 0, holder: "a", switchSeq: 0, leaseDuration: .seconds(60))
            else { throw FixtureError(message: "a could not take epoch 1") }
            #expect(first.epoch == 1)
            #expect(first.leaseRemaining > .seconds(59))
            guard
                case .refused(let held, .leaseHeld) = try await authority.acquire(
                    after: 1, holder: "b", switchSeq: 10, leaseDuration: .seconds(60))
            else { throw FixtureError(message: "b took epoch 2 while a's lease was held") }
            #expect(held.holder == "a")
            #expect(held.epoch == 1)

            // a renews with a lease that lapses almost at once; then b gets in.
            guard case .granted = try await authority.renew(epoch: 1, holder: "a", leaseDuration: .milliseconds(1))
            else { throw FixtureError(message: "a could not renew") }
            while try await !authority.current().isLapsed { try await Task.sleep(for: .milliseconds(5)) }
            guard
                case .granted(let second) = try await authority.acquire(
                    after: 1, holder: "b", switchSeq: 10, leaseDuration: .seconds(60))
            else { throw FixtureError(message: "b could not take epoch 2 after a's lease lapsed") }
            #expect(second.epoch == 2)
            #expect(second.switchSeq == 10)
            // a is superseded: its renewal is refused and names the new epoch.
            guard
                case .refused(let now, .epochMoved) = try await authority.renew(
                    epoch: 1, holder: "a", leaseDuration: .seconds(60))
            else { throw FixtureError(message: "a renewed a superseded epoch") }
            #expect(now.epoch == 2)
            #expect(now.holder == "b")
        }
    }

    @Test func aHolderWhoseLeaseLapsedIsRefusedAndMustTakeANewEpoch() async throws {
        try await PostgresFixture.withClient { client in
            let authority = try await Self.authority(client)
            _ = try await authority.acquire(after: 0, holder: "a", switchSeq: 0, leaseDuration: .milliseconds(1))
            while try await !authority.current().isLapsed { try await Task.sleep(for: .milliseconds(5)) }
            guard
                case .refused(_, .leaseLapsed) = try await authority.renew(
                    epoch: 1, holder: "a", leaseDuration: .seconds(60))
            else { throw FixtureError(message: "a lapsed lease was revived") }
            guard
                case .granted(let next) = try await authority.acquire(
                    after: 1, holder: "a", switchSeq: 5, leaseDuration: .seconds(60))
            else { throw FixtureError(message: "a could not take a new epoch") }
            #expect(next.epoch == 2)
        }
    }

    @Test func releasingLetsTheNextServerInAtOnce() async throws {
        try await PostgresFixture.withClient { client in
            let authority = try await Self.authority(client)
            _ = try await authority.acquire(after: 0, holder: "a", switchSeq: 0, leaseDuration: .seconds(60))
            guard case .refused(_, .notHolder) = try await authority.release(epoch: 1, holder: "b") else {
                throw FixtureError(message: "b released a's lease")
            }
            guard case .granted = try await authority.release(epoch: 1, holder: "a") else {
                throw FixtureError(message: "a could not release")
            }
            guard
                case .granted(let lease) = try await authority.acquire(
                    after: 1, holder: "b", switchSeq: 7, leaseDuration: .seconds(60))
            else { throw FixtureError(message: "b could not take epoch 2 after a released it") }
            #expect(lease.epoch == 2)
        }
    }

    @Test func anUnreachableDatabaseIsAClearErrorWithoutThePassword() async throws {
        var logger = Logger(label: "tandem.test.postgres")
        logger.logLevel = .critical
        // A port nothing listens on (the fixture's port plus one is not guaranteed free; 1 is privileged and closed).
        var configuration = PostgresClient.Configuration(
            host: "127.0.0.1", port: 1, username: "postgres", password: "s3cret-do-not-print", database: "postgres",
            tls: .disable)
        configuration.options.connectTimeout = .seconds(2)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            let authority = PostgresEpochAuthority(
                client: client, deployment: "unreachable", operationTimeout: .seconds(2))
            let error = await #expect(throws: PromotionError.self) { try await authority.current() }
            #expect(error?.code == .authorityUnavailable)
            #expect(error.map { !"\($0)".contains("s3cret") } == true)
        }
    }
}
