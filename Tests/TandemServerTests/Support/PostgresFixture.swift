import Foundation
import Logging
import PostgresNIO
import TandemTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// One throwaway PostgreSQL per test process, started by `Tests/Servers/postgres.sh` on a free
/// loopback port the first time a test needs it, and stopped when the process exits.
actor PostgresFixture {
    static let shared = PostgresFixture()

    /// The one start, shared by every test that asks while it runs: an actor is reentrant across
    /// the `await`, and starting one server per concurrent caller left all but one running.
    private var starting: Task<Int, any Error>?

    /// The repository's root, found from this file's path.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    func start() async throws -> Int {
        if let starting { return try await starting.value }
        let task = Task { try await Self.startServer() }
        starting = task
        return try await task.value
    }

    private static func startServer() async throws -> Int {
        let directory = FileManager.default.temporaryDirectory.path + "/tandem-pg-\(UUID().uuidString.prefix(8))"
        let output = try await runScript(["start", directory])
        guard let port = Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw FixtureError(message: "postgres.sh start printed no port: \(output)")
        }
        fixtureDirectory = directory
        atexit {
            guard let directory = fixtureDirectory else { return }
            _ = try? PostgresFixture.script(["stop", directory])
            try? FileManager.default.removeItem(atPath: directory)
        }
        return port
    }

    /// Runs the script on a thread of its own: waiting for a child must not block the cooperative pool.
    static func runScript(_ arguments: [String]) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try script(arguments) })
            }
        }
    }

    /// Runs `Tests/Servers/postgres.sh` with `arguments`, waits for it, and returns its standard output.
    /// (posix_spawn and waitpid: Foundation's `Process.waitUntilExit` can hang in test processes.)
    static func script(_ arguments: [String]) throws -> String {
        let scratch = FileManager.default.temporaryDirectory.path + "/tandem-pg-run-\(UUID().uuidString.prefix(8))"
        defer {
            try? FileManager.default.removeItem(atPath: scratch + ".out")
            try? FileManager.default.removeItem(atPath: scratch + ".err")
        }
        // Through ChildProcess: the server lives as long as the test process, and must not keep open
        // any descriptor that other tests had open when it started.
        let pid = try ChildProcess.spawn(
            [root + "/Tests/Servers/postgres.sh"] + arguments, output: scratch + ".out",
            errors: scratch + ".err")
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let output = (try? String(contentsOfFile: scratch + ".out", encoding: .utf8)) ?? ""
        guard status == 0 else {
            let errors = (try? String(contentsOfFile: scratch + ".err", encoding: .utf8)) ?? ""
            throw FixtureError(message: "postgres.sh \(arguments.joined(separator: " ")) failed: \(errors)")
        }
        return output
    }

    /// Runs `body` with a client connected to the fixture's database, running for the duration.
    static func withClient<T: Sendable>(_ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        let port = try await shared.start()
        var logger = Logger(label: "tandem.test.postgres")
        logger.logLevel = .error
        let client = PostgresClient(
            configuration: .init(
                host: "127.0.0.1", port: port, username: "postgres", password: nil, database: "postgres",
                tls: .disable),
            backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

nonisolated(unsafe) private var fixtureDirectory: String?
