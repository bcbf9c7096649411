import ConnectorKit
import Foundation
import Logging
import TandemTestSupport

@testable import SCIMConnector

/// `Tests/Servers/fault-proxy.py` in front of a test server: after the first `after` requests, the next `count`
/// get `status` (with `Retry-After` if given); the others reach the server. scim2-server cannot produce 429 or
/// 500 on demand.
final class FaultProxy: Sendable {
    static let script = SCIMTestServer.repositoryRoot + "/Tests/Servers/fault-proxy.py"

    private let pid: pid_t
    private let log: String
    let port: Int

    var url: String { "http://127.0.0.1:\(port)/v2" }

    private init(pid: pid_t, log: String, port: Int) {
        self.pid = pid
        self.log = log
        self.port = port
    }

    static func start(upstream: SCIMTestServer, status: Int, count: Int, retryAfter: String? = nil, after: Int = 0)
        async throws -> FaultProxy
    {
        var lastOutput = ""
        for _ in 0..<5 {
            let port = try ChildProcess.freePort()
            let log = upstream.directory + "/proxy-\(port).log"
            let pid = try ChildProcess.spawn(
                [
                    "/usr/bin/env", "python3", script, String(port), String(upstream.port), String(status),
                    String(count),
                    retryAfter ?? "-", String(after),
                ], output: log)
            let proxy = FaultProxy(pid: pid, log: log, port: port)
            // It prints "ready" once it listens, or fails (the port was taken meanwhile) and exits.
            for _ in 0..<200 {
                lastOutput = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                if lastOutput.hasPrefix("ready") { return proxy }
                if kill(pid, 0) != 0 || lastOutput.contains("Error") { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            await proxy.stop()
        }
        throw TestFailure("the fault proxy did not start: \(lastOutput)")
    }

    /// Requests the proxy received and how many it answered with the fault.
    func counts() async throws -> (requests: Int, faults: Int) {
        let transport = SCIMTransport(
            baseURL: "http://127.0.0.1:\(port)", token: Secret("none"), timeout: .seconds(10),
            retry: RetryPolicy(attempts: 1, baseDelay: .zero, maxDelay: .zero), logger: Logger(label: "test.proxy"))
        let response = try await transport.send(SCIMRequest(method: .GET, path: "/__faults"))
        guard let requests = response.body?["requests"]?.integerValue,
            let faults = response.body?["faults"]?.integerValue
        else { throw TestFailure("fault proxy counts: HTTP \(response.status)") }
        return (Int(requests), Int(faults))
    }

    func stop() async {
        kill(pid, SIGTERM)
        _ = await ChildProcess.reap(pid, within: .seconds(60), "the fault proxy")
    }
}
