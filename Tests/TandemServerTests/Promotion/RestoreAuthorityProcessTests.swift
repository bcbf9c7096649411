import Foundation
import Logging
import TandemJournal
import TandemServer
import Testing

/// `tandem restore` under an epoch authority (real PostgreSQL): the new epoch is claimed from the
/// authority by compare-and-swap, never taken as "my epoch + 1".
@Suite(.serialized) struct RestoreAuthorityProcessTests {
    private func withAuthority<T: Sendable>(
        _ deployment: String, _ body: @Sendable (PostgresEpochAuthority) async throws -> T
    ) async throws -> T {
        try await PostgresFixture.withClient { client in
            var logger = Logger(label: "tandem.test.epochs")
            logger.logLevel = .error
            // 60 s, not the production 5 s: a test process shares two cores with hundreds of tests.
            let authority = PostgresEpochAuthority(
                client: client, deployment: deployment, operationTimeout: .seconds(60), logger: logger)
            try await authority.prepare()
            return try await body(authority)
        }
    }

    /// A demo deployment whose configuration names the authority (deployment `name`, this server `tandem-a`).
    private func deployment(_ name: String) async throws -> Deployment {
        let port = try await PostgresFixture.shared.start()
        let primary = try await Deployment.demo(people: 20)
        try primary.write(
            primary.read("tandem.yaml")
                + """
                  authority:
                    url: postgres://postgres@127.0.0.1:\(port)/postgres
                    deployment: \(name)
                    serverId: tandem-a

                """, to: "tandem.yaml")
        return primary
    }

    private func epochs(_ deployment: Deployment) throws -> [UInt64] {
        EpochHistory(try JournalReader(directory: deployment.journalDirectory)).starts.map(\.epoch)
    }

    @Test func aRestoreTakesItsEpochFromTheAuthority() async throws {
        let name = "restore-\(UUID().uuidString.prefix(8))"
        let primary = try await deployment(name)
        // This server held epoch 1 and stopped; its lease has lapsed.
        _ = try await withAuthority(name) {
            try await $0.acquire(after: 0, holder: "tandem-a", switchSeq: 0, leaseDuration: .milliseconds(1))
        }
        let restored = try await TandemBinary.run(["restore", "--config", primary.config, "--to-seq", "5"])
        #expect(restored.status == 0, "\(restored.output)")
        #expect(restored.output.contains("epoch 2"), "\(restored.output)")
        #expect(try epochs(primary) == [1, 2])
        let lease = try await withAuthority(name) { try await $0.current() }
        #expect(lease.epoch == 2 && lease.holder == "tandem-a", "\(lease)")

        // The authority, not the journal, names the next epoch: moved on to 4 by others, a restore
        // on this journal (epoch 2) is refused rather than going live as 3.
        _ = try await withAuthority(name) { authority in
            _ = try await authority.release(epoch: 2, holder: "tandem-a")
            _ = try await authority.acquire(after: 2, holder: "tandem-b", switchSeq: 0, leaseDuration: .milliseconds(1))
            return try await authority.acquire(
                after: 3, holder: "tandem-b", switchSeq: 0, leaseDuration: .milliseconds(1))
        }
        let behind = try await TandemBinary.runCapturingErrors(["restore", "--config", primary.config, "--to-seq", "5"])
        #expect(behind.status == 1)
        #expect(
            behind.errors.contains(
                "restore refused, nothing was written: the epoch authority is at epoch 4, but this server's journal has only reached epoch 2"
            ), "\(behind.errors)")
        #expect(try epochs(primary) == [1, 2])
    }

    @Test func aRestoreIsRefusedWhileAnotherServerHoldsTheLease() async throws {
        let name = "restore-held-\(UUID().uuidString.prefix(8))"
        let primary = try await deployment(name)
        _ = try await withAuthority(name) {
            try await $0.acquire(after: 0, holder: "tandem-b", switchSeq: 0, leaseDuration: .seconds(120))
        }
        let refused = try await TandemBinary.runCapturingErrors([
            "restore", "--config", primary.config, "--to-seq", "5",
        ])
        #expect(refused.status == 1)
        #expect(
            refused.errors.contains("restore refused, nothing was written: 'tandem-b' holds the lease on epoch 1"),
            "\(refused.errors)")
        #expect(try epochs(primary) == [1], "nothing was written")
        let lease = try await withAuthority(name) { try await $0.current() }
        #expect(lease.epoch == 1 && lease.holder == "tandem-b")

        // A flag names a deployment whose record is new (epoch 0): the authority first records this
        // journal's own term (epoch 1), then grants the restore the next one.
        let fresh = "restore-fresh-\(UUID().uuidString.prefix(8))"
        let restored = try await TandemBinary.run([
            "restore", "--config", primary.config, "--to-seq", "5", "--deployment", fresh,
        ])
        #expect(restored.status == 0, "\(restored.output)")
        #expect(try epochs(primary) == [1, 2])
        let granted = try await withAuthority(fresh) { try await $0.current() }
        #expect(granted.epoch == 2 && granted.holder == "tandem-a", "\(granted)")
    }
}
