import ArgumentParser
import Foundation
import TandemServer

/// Where `tandem serve` gets its epochs: a PostgreSQL epoch authority, or none (manual promotion).
struct AuthorityOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The epoch authority: postgres://USER@HOST:PORT/DATABASE. The password, if any, comes from the environment variable TANDEM_AUTHORITY_PASSWORD.",
            valueName: "url"))
    var authority: String?
    @Option(help: "The deployment's name at the authority (servers sharing a journal share it).")
    var deployment = "tandem"
    @Option(help: "This server's name at the authority. Default: host name and process ID.")
    var serverID: String?
    @Option(
        help: "How long the lease lasts without renewal, in seconds; a superseded active stops exporting within it.")
    var leaseSeconds = 10.0

    /// Runs `body` with the authority (its PostgreSQL client running), or with `nil` if none is configured.
    func withAuthority(_ body: (PostgresEpochAuthority?) async throws -> Void) async throws {
        guard let authority else { return try await body(nil) }
        guard leaseSeconds >= 1 else {
            throw CLIFailure(message: "--lease-seconds must be at least 1, not \(leaseSeconds)", exitCode: 2)
        }
        try await PostgresEpochAuthority.withAuthority(
            url: authority, password: ProcessInfo.processInfo.environment["TANDEM_AUTHORITY_PASSWORD"],
            deployment: deployment
        ) { epochs in try await body(epochs) }
    }
}
