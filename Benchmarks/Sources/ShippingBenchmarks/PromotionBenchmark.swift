import BenchmarkSupport
import Foundation
import Logging
import Synchronization
import TandemEngine
import TandemJournal
import TandemServer

/// Planned switchovers between two in-process servers under an epoch authority: the time from
/// `promote` to the first export the new active is permitted, and the whole switchover (demote,
/// catch up, promote). With PostgreSQL (started by `Tests/Servers/postgres.sh`) the promotion
/// claims its epoch by compare-and-swap and the permit is the lease; without it, promotion is
/// manual and the permit is immediate.
struct PromotionBenchmark {
    struct Figures {
        var promoteToPermit: [Double] = []
        var switchover: [Double] = []
        /// What `becomeActive` cost before it reused the follower's state: a replay of the whole journal.
        var replayFromDisk: Double = 0
        var replayedEvents: UInt64 = 0
        var authority: String
    }

    let scratch: String
    let events: Int
    let rounds: Int
    let writeJournal: (String, Int) async throws -> Int

    func run() async throws -> Figures {
        let postgres = await PostgresServer.start(in: scratch + "/postgres")
        defer { postgres?.stop() }
        var logger = Logger(label: "tandem.benchmark.epochs")
        logger.logLevel = .error
        if let postgres {
            var result: Figures?
            try await PostgresEpochAuthority.withAuthority(
                url: "postgres://postgres@127.0.0.1:\(postgres.port)/postgres", password: nil,
                deployment: "benchmark-\(getpid())", logger: logger
            ) { authority in
                result = try await measure(
                    authority: authority,
                    label: "PostgreSQL epoch authority on loopback (compare-and-swap, lease held before the permit)")
            }
            return result!
        }
        return try await measure(authority: nil, label: "none (PostgreSQL could not be started): manual promotion")
    }

    private func measure(authority: (any EpochAuthority)?, label: String) async throws -> Figures {
        var figures = Figures(authority: label)
        progress("promotion: writing \(Format.count(events)) events for the active server")
        _ = try await writeJournal(scratch + "/promote-a/journal", events)
        let appliedA = AppliedSeq()
        let appliedB = AppliedSeq()
        var servers = [
            try await InProcessServer.start(
                dataDirectory: scratch + "/promote-a", role: .active, authority: authority, holder: "bench-a",
                onShippedBatch: { batch in if batch.stage == .applied { appliedA.value.withLock { $0 = batch.lastSeq } }
                })
        ]
        servers.append(
            try await InProcessServer.start(
                dataDirectory: scratch + "/promote-b", role: .staging, primaryURL: servers[0].url, authority: authority,
                holder: "bench-b",
                onShippedBatch: { batch in if batch.stage == .applied { appliedB.value.withLock { $0 = batch.lastSeq } }
                }))
        let applied = [appliedA, appliedB]
        do {
            try await switchOver(servers, applied: applied, into: &figures)
        } catch {
            for server in servers { await server.stop() }
            throw error
        }
        // Stop both servers (and their lease renewals) while the authority still runs.
        for server in servers { await server.stop() }
        return figures
    }

    private func switchOver(_ servers: [InProcessServer], applied: [AppliedSeq], into figures: inout Figures)
        async throws
    {
        let clock = ContinuousClock()
        // Time switchovers, not the staging server's bootstrap: start with it caught up.
        guard let journal = await servers[0].node.journal else {
            throw BenchmarkFailure("the active server has no journal")
        }
        while applied[1].value.withLock({ $0 }) < journal.lastSeq {
            try await Task.sleep(for: .milliseconds(5))
        }
        // What promotion cost before it reused the follower's state: the whole journal, from disk.
        let replayStart = clock.now
        let replayed = try EngineReplay.replay(directory: scratch + "/promote-b/journal")
        figures.replayFromDisk = (clock.now - replayStart).seconds
        figures.replayedEvents = journal.lastSeq
        _ = replayed.lastSeq
        var active = 0
        for round in 0..<rounds {
            let staging = 1 - active
            guard let oldController = servers[active].controller, let newController = servers[staging].controller else {
                throw BenchmarkFailure("the servers run without promotion controllers")
            }
            let start = clock.now
            let lastSeq = try await oldController.demote(primaryURL: servers[staging].url)
            while applied[staging].value.withLock({ $0 }) < lastSeq {
                try await Task.sleep(for: .milliseconds(1))
            }
            let promoting = clock.now
            let outcome = try await newController.promote(force: false, confirmedOldActiveStopped: false)
            if let lease = outcome.lease {
                guard await lease.checkExport(epoch: outcome.epoch, connector: "benchmark") == .granted else {
                    throw BenchmarkFailure("the promoted server is not permitted to export")
                }
            }
            let permitted = clock.now
            figures.promoteToPermit.append((permitted - promoting).seconds)
            figures.switchover.append((permitted - start).seconds)
            progress(
                "promotion round \(round + 1): epoch \(outcome.epoch), promote → permitted export \(Format.milliseconds((permitted - promoting).seconds)), whole switchover \(Format.milliseconds((permitted - start).seconds))"
            )
            active = staging
        }
    }
}

/// The last seq a staging server reported applied.
private final class AppliedSeq: Sendable {
    let value = Mutex<UInt64>(0)
}

/// A throwaway PostgreSQL for the epoch authority, started and stopped by the tests' own script.
private struct PostgresServer {
    let directory: String
    let port: Int

    private static let script =
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path + "/Tests/Servers/postgres.sh"

    static func start(in directory: String) async -> PostgresServer? {
        do {
            let output = try await run(["start", directory])
            let lastLine = output.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
            guard let port = Int(lastLine.trimmingCharacters(in: .whitespaces)) else { return nil }
            return PostgresServer(directory: directory, port: port)
        } catch {
            progress("promotion: PostgreSQL did not start (\(error))")
            return nil
        }
    }

    func stop() {
        _ = try? Self.spawnAndWait(["stop", directory])
    }

    /// Runs the script on a thread of its own (waiting for a child must not block the cooperative pool).
    private static func run(_ arguments: [String]) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try spawnAndWait(arguments) }) }
        }
    }

    /// posix_spawn and waitpid: Foundation's `Process` can miss its child's exit when the child
    /// leaves a daemon behind (the PostgreSQL server), and then never returns.
    private static func spawnAndWait(_ arguments: [String]) throws -> String {
        let output =
            FileManager.default.temporaryDirectory.path + "/tandem-bench-pg-\(getpid())-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let command =
            ([script] + arguments).map { "'\($0)'" }.joined(separator: " ") + " >'\(output)' 2>&1 </dev/null"
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(command), nil]
        defer { for pointer in argv { free(pointer) } }
        guard posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ) == 0 else {
            throw BenchmarkFailure("could not start \(script)")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        guard status == 0 else { throw BenchmarkFailure("postgres.sh \(arguments.first ?? "") failed: \(text)") }
        return text
    }
}

private func progress(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
