import ArgumentParser
import Foundation
import TandemEngine
import TandemJournal
import TandemServer

/// Options of the commands that talk to running servers: the deployment (for the bearer token).
struct ServerRequestOptions: ParsableArguments {
    @OptionGroup var deployment: DeploymentOptions

    /// Runs `body` with a client holding the configuration's bearer token.
    func withClient<T>(_ body: (ServerClient) async throws -> T) async throws -> T {
        let configuration = try deployment.loadConfiguration()
        let token: BearerToken
        do {
            token = try BearerToken.resolve(configuration.server.token)
        } catch let error as ServerError {
            throw CLIFailure(message: error.message, exitCode: 2)
        }
        let client = ServerClient(token: token)
        do {
            let result = try await body(client)
            await client.shutdown()
            return result
        } catch {
            await client.shutdown()
            throw error
        }
    }
}

/// Sends one request and returns its JSON object, or fails with the server's error message.
func serverRequest(_ client: ServerClient, _ method: String, _ url: String) async throws -> [String: Any] {
    let reply: (status: Int, body: Data)
    do {
        reply = try await client.request(method, url)
    } catch let error as ServerError {
        throw CLIFailure(message: error.message)
    }
    let object = (try? JSONSerialization.jsonObject(with: reply.body)) as? [String: Any] ?? [:]
    guard reply.status == 200 else {
        let message = object["error"] as? String ?? String(decoding: reply.body.prefix(300), as: UTF8.self)
        throw CLIFailure(message: "\(url) answered \(reply.status): \(message)", exitCode: reply.status == 401 ? 2 : 1)
    }
    return object
}

func trimmedURL(_ url: String) -> String { url.hasSuffix("/") ? String(url.dropLast()) : url }

/// `tandem promote`: makes a staging server active under a new epoch.
struct PromoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Make a staging server the active one, under a new epoch.",
        discussion: """
            Planned (after 'tandem demote' of the active): the epoch authority's lease was released. \
            --force when the active is unreachable: with an epoch authority the server waits for the old \
            lease to lapse (the old active stops exporting by itself); without one you must confirm that \
            the old active is stopped or cut off from every connected system.
            """)

    @OptionGroup var options: ServerRequestOptions
    @Option(help: "The staging server to promote (its URL).")
    var server: String
    @Flag(help: "The active server is unreachable: promote without its demotion.")
    var force = false
    @Flag(
        name: .customLong("i-have-stopped-the-old-active"),
        help: "Without an epoch authority: confirm the old active is stopped or isolated (needed with --force).")
    var confirmedOldActiveStopped = false

    func run() async throws {
        try await options.withClient { client in
            let url =
                trimmedURL(server) + "/v1/promote?force=\(force)&confirmedOldActiveStopped=\(confirmedOldActiveStopped)"
            let reply = try await serverRequest(client, "POST", url)
            Terminal.print(
                "promoted \(server): active under epoch \(reply["epoch"] ?? "?") (the previous term ended at seq \(reply["switchSeq"] ?? "?"))"
            )
        }
    }
}

/// `tandem demote`: makes the active server stop exporting and follow another server.
struct DemoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demote",
        abstract: "Make the active server stop exporting, release its lease and follow --primary as staging.")

    @OptionGroup var options: ServerRequestOptions
    @Option(help: "The active server to demote (its URL).")
    var server: String
    @Option(help: "The server it follows from now on (the one about to be promoted).")
    var primary: String

    func run() async throws {
        try await options.withClient { client in
            let target = trimmedURL(primary)
            let query = target.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? target
            let reply = try await serverRequest(client, "POST", trimmedURL(server) + "/v1/demote?primary=\(query)")
            Terminal.print("demoted \(server): staging, following \(target) from seq \(reply["lastSeq"] ?? "?")")
        }
    }
}

/// `tandem switchover`: a planned switchover, nothing lost and nothing exported twice.
struct SwitchoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchover",
        abstract: "Planned switchover: demote the active, let the staging server catch up, promote it.")

    @OptionGroup var options: ServerRequestOptions
    @Option(help: "The active server (its URL).")
    var active: String
    @Option(help: "The staging server to promote (its URL).")
    var staging: String

    func run() async throws {
        try await options.withClient { client in
            let activeURL = trimmedURL(active)
            let stagingURL = trimmedURL(staging)
            let query = stagingURL.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? stagingURL
            let demoted = try await serverRequest(client, "POST", activeURL + "/v1/demote?primary=\(query)")
            let target = demoted["lastSeq"] as? Int ?? 0
            Terminal.print("demoted \(activeURL) at seq \(target); waiting for \(stagingURL) to catch up")
            var caughtUp = false
            for _ in 0..<600 {
                let status = try await serverRequest(client, "GET", stagingURL + "/v1/status")
                if (status["lastSeq"] as? Int ?? 0) >= target {
                    caughtUp = true
                    break
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            guard caughtUp else {
                throw CLIFailure(
                    message:
                        "\(stagingURL) did not reach seq \(target) within a minute; nothing was promoted (the old active stays staging)"
                )
            }
            let reply = try await serverRequest(client, "POST", stagingURL + "/v1/promote")
            Terminal.print("promoted \(stagingURL): active under epoch \(reply["epoch"] ?? "?")")
        }
    }
}

/// `tandem rejoin`: a superseded active (stopped) sets its divergent tail aside so it can follow.
struct RejoinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rejoin",
        abstract: "After a failover: move this stopped server's divergent journal tail aside, then follow --primary.",
        discussion: """
            Compares this server's journal with the new active's epochs, moves the events written after \
            the switch point into DATADIR/journal/diverged/ (never deleting them), and reports what they \
            were. Then start it as staging: tandem serve --role staging --primary URL.
            """)

    @OptionGroup var options: ServerRequestOptions
    @Option(help: "The new active server (its URL).")
    var primary: String

    func run() async throws {
        try await options.withClient { client in
            let configuration = try options.deployment.loadConfiguration()
            let reply = try await serverRequest(client, "GET", trimmedURL(primary) + "/v1/journal/epochs")
            let starts = (reply["starts"] as? [[String: Any]] ?? []).compactMap { start -> EpochHistory.Start? in
                guard let epoch = start["epoch"] as? Int, let first = start["firstSeq"] as? Int else { return nil }
                return EpochHistory.Start(epoch: UInt64(epoch), firstSeq: UInt64(first))
            }
            let active = EpochHistory(starts: starts, lastSeq: UInt64(reply["lastSeq"] as? Int ?? 0))
            try await runReportingEngineErrors {
                let directory = EngineContext.journalDirectory(configuration)
                if let report = try Rejoin.setAsideDivergentTail(journalDirectory: directory, active: active) {
                    Terminal.print(report.summary)
                } else {
                    Terminal.print("nothing diverged: this journal is a prefix of \(primary)'s")
                }
                Terminal.print("now start it as staging: tandem serve --role staging --primary \(trimmedURL(primary))")
            }
        }
    }
}
