import Foundation
import Logging
import TandemServer
import Testing

/// `server.authority` in tandem.yaml configures the epoch authority of a real `tandem serve`
/// process; each `tandem serve` flag overrides its setting.
@Suite(.serialized) struct AuthorityConfigurationProcessTests {
    private func current(_ deployment: String) async throws -> EpochLease {
        try await PostgresFixture.withClient { client in
            var logger = Logger(label: "tandem.test.epochs")
            logger.logLevel = .error
            return try await PostgresEpochAuthority(
                client: client, deployment: deployment, operationTimeout: .seconds(60), logger: logger
            ).current()
        }
    }

    @Test func theAuthorityComesFromTheConfigurationAndFlagsOverrideIt() async throws {
        let port = try await PostgresFixture.shared.start()
        let primary = try await Deployment.demo(people: 20)
        let fromFile = "file-\(UUID().uuidString.prefix(8))"
        let fromFlag = "flag-\(UUID().uuidString.prefix(8))"
        try primary.write(
            primary.read("tandem.yaml")
                + """
                  authority:
                    url: postgres://postgres@127.0.0.1:\(port)/postgres
                    deployment: \(fromFile)
                    serverId: tandem-a
                    leaseSeconds: 3
                    passwordEnv: TANDEM_TEST_AUTHORITY_PASSWORD

                """, to: "tandem.yaml")

        // The password is read from the variable the file names; unset, the server refuses to start.
        let refused = try await TandemBinary.runCapturingErrors([
            "serve", "--config", primary.config, "--listen", "127.0.0.1:0",
        ])
        #expect(refused.status == 2)
        #expect(
            refused.errors.contains(
                "server.authority.passwordEnv: environment variable TANDEM_TEST_AUTHORITY_PASSWORD is not set"),
            "\(refused.errors)")

        let environment = ["TANDEM_TEST_AUTHORITY_PASSWORD": "not-needed-with-trust-authentication"]
        let configured = try await ServerProcess(config: primary.config, environment: environment, label: "a")
        try await eventually("the server holds epoch 1 of the configured deployment") {
            let lease = try await current(fromFile)
            return lease.epoch == 1 && lease.holder == "tandem-a" && !lease.isLapsed
        }
        #expect(await configured.stop() == 0)
        #expect(!configured.log.contains("not-needed-with-trust-authentication"), "the password never reaches the log")

        // Flags win over the file, one setting at a time: the URL and lease still come from the file.
        let overridden = try await ServerProcess(
            config: primary.config, arguments: ["--deployment", fromFlag, "--server-id", "tandem-b"],
            environment: environment, label: "b")
        try await eventually("the server holds epoch 1 of the deployment the flag names") {
            let lease = try await current(fromFlag)
            return lease.epoch == 1 && lease.holder == "tandem-b" && !lease.isLapsed
        }
        #expect(await overridden.stop() == 0)
        let untouched = try await current(fromFile)
        #expect(untouched.epoch == 1 && untouched.holder == "tandem-a")
    }
}
