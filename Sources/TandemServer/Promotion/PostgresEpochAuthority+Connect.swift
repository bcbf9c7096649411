import Foundation
import Logging
import PostgresNIO

extension PostgresEpochAuthority {
    /// Connects to the authority named by `url` (`postgres://USER@HOST:PORT/DATABASE`), prepares its
    /// table and runs `body` with it while the client runs.
    ///
    /// - Throws: ``PromotionError`` `.invalidConfiguration` for a malformed URL or one carrying a
    ///   password (it would show in process listings: pass `password` instead).
    public static func withAuthority(
        url text: String, password: String?, deployment: String, logger: Logger = Logger(label: "tandem.epochs"),
        _ body: (PostgresEpochAuthority) async throws -> Void
    ) async throws {
        guard let url = URLComponents(string: text), url.scheme == "postgres" || url.scheme == "postgresql",
            let host = url.host, !host.isEmpty
        else {
            throw PromotionError(
                .invalidConfiguration, "the epoch authority's URL must read postgres://USER@HOST:PORT/DATABASE")
        }
        guard url.password == nil else {
            throw PromotionError(
                .invalidConfiguration,
                "the epoch authority's URL must not hold a password (it would show in process listings)")
        }
        let database = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        let configuration = PostgresClient.Configuration(
            host: host, port: url.port ?? 5432, username: url.user ?? "postgres", password: password,
            database: database.isEmpty ? nil : database, tls: .prefer(.makeClientConfiguration()))
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            let authority = PostgresEpochAuthority(client: client, deployment: deployment, logger: logger)
            try await authority.prepare()
            try await body(authority)
        }
    }
}
