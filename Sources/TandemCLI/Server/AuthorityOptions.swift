import ArgumentParser
import Foundation
import TandemEngine
import TandemServer

/// Where `tandem serve` (and `tandem restore`) get their epochs: a PostgreSQL epoch authority, or
/// none (manual promotion). Each flag overrides the same setting of `server.authority` in the
/// configuration.
struct AuthorityOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The epoch authority: postgres://USER@HOST:PORT/DATABASE. Default: server.authority.url. The password comes from server.authority.passwordEnv or passwordFile, else the environment variable TANDEM_AUTHORITY_PASSWORD.",
            valueName: "url"))
    var authority: String?
    @Option(
        help:
            "The deployment's name at the authority (servers sharing a journal share it). Default: server.authority.deployment, else tandem."
    )
    var deployment: String?
    @Option(
        help: "This server's name at the authority. Default: server.authority.serverId, else host name and process ID.")
    var serverID: String?
    @Option(
        help:
            "How long the lease lasts without renewal, in seconds; a superseded active stops exporting within it. Default: server.authority.leaseSeconds, else 10."
    )
    var leaseSeconds: Double?

    /// The authority as the flags and the configuration name it together (flags first); `nil` if neither names one.
    func resolve(_ settings: AuthoritySettings?) throws -> ResolvedAuthority? {
        guard let url = authority ?? settings?.url else { return nil }
        let lease = leaseSeconds ?? settings?.leaseSeconds ?? 10
        guard lease.isFinite, lease >= 1 else {
            throw CLIFailure(message: "--lease-seconds must be at least 1, not \(lease)", exitCode: 2)
        }
        let holder =
            serverID ?? settings?.serverID
            ?? "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
        return ResolvedAuthority(
            url: url, deployment: deployment ?? settings?.deployment ?? "tandem", holder: holder,
            leaseDuration: .milliseconds(Int64(lease * 1000)), password: try Self.password(settings?.password))
    }

    /// Runs `body` with the authority (its PostgreSQL client running), or with `nil` if none is configured.
    func withAuthority(
        _ settings: AuthoritySettings?, _ body: (PostgresEpochAuthority?, ResolvedAuthority?) async throws -> Void
    ) async throws {
        guard let resolved = try resolve(settings) else { return try await body(nil, nil) }
        try await PostgresEpochAuthority.withAuthority(
            url: resolved.url, password: resolved.password, deployment: resolved.deployment
        ) { epochs in try await body(epochs, resolved) }
    }

    /// The database password: from the configuration's reference, else `TANDEM_AUTHORITY_PASSWORD`.
    /// Errors name where it was looked for, never what was found.
    private static func password(_ source: ServerSettings.SecretSource?) throws -> String? {
        switch source {
        case nil:
            return ProcessInfo.processInfo.environment["TANDEM_AUTHORITY_PASSWORD"]
        case .environment(let name):
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw CLIFailure(
                    message: "server.authority.passwordEnv: environment variable \(name) is not set", exitCode: 2)
            }
            return value
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CLIFailure(message: "server.authority.passwordFile: cannot read \(path)", exitCode: 2)
            }
            let line = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first ?? ""
            guard !line.isEmpty else {
                throw CLIFailure(message: "server.authority.passwordFile: \(path) is empty", exitCode: 2)
            }
            return String(line)
        }
    }
}

/// An epoch authority's settings once flags and configuration are merged.
struct ResolvedAuthority: Sendable, CustomStringConvertible {
    var url: String
    var deployment: String
    /// This server's name at the authority.
    var holder: String
    var leaseDuration: Duration
    /// Never printed: ``description`` leaves it out.
    var password: String?

    var description: String { "\(url) (deployment '\(deployment)', server '\(holder)')" }
}
