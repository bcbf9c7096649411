import Foundation
import TandemTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The built `tandem` binary, found as Tests/TandemCLITests/TandemProcess.swift finds it.
enum TandemBinary {
    static let url: URL = {
        if let override = ProcessInfo.processInfo.environment["TANDEM_BIN"] { return URL(fileURLWithPath: override) }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("tandem")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/tandem")
    }()

    /// Runs a short `tandem` command to completion; returns its status and standard output. A command
    /// still running after `limit` has hung: its stacks go into a test issue and it is killed.
    @discardableResult
    static func run(_ arguments: [String], in directory: String? = nil, limit: Duration = .seconds(300))
        async throws -> (status: Int32, output: String)
    {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-out-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let pid = try ChildProcess.spawn(
            [url.path] + arguments, output: output.path, errors: "/dev/null", directory: directory)
        let status = await ChildProcess.reap(pid, within: limit, "tandem \(arguments.prefix(2).joined(separator: " "))")
        return (
            status, FileManager.default.contents(atPath: output.path).map { String(decoding: $0, as: UTF8.self) } ?? ""
        )
    }
}

/// A `tandem serve` process on loopback, on a port the kernel picked; its output goes to files in
/// its deployment folder so that a chatty server never blocks on a pipe. Started and reaped with
/// ``ChildProcess`` (no inherited descriptors or blocked signals), and every wait for it is bounded.
final class ServerProcess {
    let pid: pid_t
    let label: String
    let logPath: String
    let outputPath: String
    private(set) var url = ""
    /// The exit status once reaped.
    private var exitStatus: Int32?

    /// Starts `tandem serve --config CONFIG --listen 127.0.0.1:0 ARGUMENTS` and waits until it listens.
    init(config: String, arguments: [String] = [], environment: [String: String] = [:], label: String) async throws {
        let folder = URL(fileURLWithPath: config).deletingLastPathComponent().path
        self.label = label
        logPath = "\(folder)/serve-\(label).log"
        outputPath = "\(folder)/serve-\(label).out"
        pid = try ChildProcess.spawn(
            [TandemBinary.url.path, "serve", "--config", config, "--listen", "127.0.0.1:0", "--log-level", "info"]
                + arguments,
            output: outputPath, errors: logPath,
            environment: ProcessInfo.processInfo.environment.merging(environment) { $1 })
        url = try await waitForListening()
    }

    deinit {
        // A test that failed early leaves its server running: kill it and reap it (that is quick).
        guard isRunning else { return }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    var isRunning: Bool {
        if exitStatus == nil, let status = ChildProcess.poll(pid) { exitStatus = status }
        return exitStatus == nil
    }

    var output: String {
        FileManager.default.contents(atPath: outputPath).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
    var log: String { FileManager.default.contents(atPath: logPath).map { String(decoding: $0, as: UTF8.self) } ?? "" }

    private func waitForListening() async throws -> String {
        for _ in 0..<1200 {
            if let line = output.split(separator: "\n").first(where: { $0.contains("listening on ") }) {
                return String(line[line.range(of: "listening on ")!.upperBound...])
            }
            if !isRunning {
                throw ServerTestFailure("tandem serve exited with \(exitStatus ?? -1) before listening:\n\(log)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ServerTestFailure("tandem serve did not listen within a minute:\n\(log)")
    }

    /// Sends `signal` and waits for the process to exit; returns its status (128 + the signal that
    /// ended it). A server that has not exited two minutes later has hung: its stacks go into a test
    /// issue and it is killed.
    @discardableResult
    func stop(_ signal: Int32 = SIGTERM) async -> Int32 {
        if isRunning { kill(pid, signal) }
        return await exited(within: .seconds(120))
    }

    /// Waits for the process to exit by itself (it was told to crash, or to stop); returns its status.
    func exited(within limit: Duration = .seconds(300)) async -> Int32 {
        if let exitStatus { return exitStatus }
        let status = await ChildProcess.reap(pid, within: limit, "tandem serve (\(label))")
        exitStatus = status
        return status
    }
}

struct ServerTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A small HTTP client for the tests.
enum HTTP {
    struct Reply {
        var status: Int
        var body: Data
        var headers: [String: String]
        var text: String { String(decoding: body, as: UTF8.self) }
        func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                throw ServerTestFailure("not a JSON object: \(text)")
            }
            return object
        }
    }

    static func request(_ url: String, method: String = "GET", token: String?) async throws -> Reply {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.timeoutInterval = 120
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            headers[String(describing: key).lowercased()] = String(describing: value)
        }
        return Reply(status: http.statusCode, body: data, headers: headers)
    }

    static func status(_ server: ServerProcess, token: String) async throws -> [String: Any] {
        let reply = try await request(server.url + "/v1/status", token: token)
        guard reply.status == 200 else { throw ServerTestFailure("status answered \(reply.status): \(reply.text)") }
        return try reply.json()
    }
}

/// Waits (polling) until `condition` holds, failing after `attempts` tries 100 ms apart. A wait for
/// an event, not a timed assertion: the limit only keeps a broken build from hanging.
func eventually(
    _ what: String, attempts: Int = 1200, _ condition: () async throws -> Bool
) async throws {
    for _ in 0..<attempts {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw ServerTestFailure("gave up waiting until \(what)")
}

extension TandemBinary {
    /// Runs a `tandem` command to completion; returns its status and standard error.
    static func runCapturingErrors(_ arguments: [String], limit: Duration = .seconds(300)) async throws -> (
        status: Int32, errors: String
    ) {
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-err-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: errors) }
        let pid = try ChildProcess.spawn([url.path] + arguments, output: "/dev/null", errors: errors.path)
        let status = await ChildProcess.reap(pid, within: limit, "tandem \(arguments.prefix(2).joined(separator: " "))")
        return (
            status, FileManager.default.contents(atPath: errors.path).map { String(decoding: $0, as: UTF8.self) } ?? ""
        )
    }
}

/// Waits until `staging` has everything `active` has and reports no lag (and, with `sameDigest`, the same state
/// digest); returns both statuses.
func caughtUp(_ active: ServerProcess, _ staging: ServerProcess, token: String, sameDigest: Bool = false) async throws
    -> (active: [String: Any], staging: [String: Any])
{
    var result: ([String: Any], [String: Any]) = ([:], [:])
    try await eventually("the staging server has caught up") {
        let a = try await HTTP.status(active, token: token)
        let s = try await HTTP.status(staging, token: token)
        result = (a, s)
        return (s["lastSeq"] as? Int) == (a["lastSeq"] as? Int) && (s["lagSeq"] as? Int) == 0
            && (s["lastSeq"] as? Int ?? 0) > 0
            && (!sameDigest || (s["stateDigest"] as? String) == (a["stateDigest"] as? String))
    }
    return result
}
