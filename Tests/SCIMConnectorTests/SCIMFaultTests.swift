import ConnectorKit
import Testing

@testable import SCIMConnector

/// 429 and 5xx answers, from a fault-injecting proxy in front of a real scim2-server: retried with backoff that
/// honours `Retry-After`, and bounded.
@Suite struct SCIMFaultTests {
    func withProxy<T>(
        status: Int, count: Int, retryAfter: String? = nil, after: Int = 0,
        _ body: (SCIMTestServer, FaultProxy) async throws -> T
    ) async throws -> T {
        try await withSCIMServer { server in
            let proxy = try await FaultProxy.start(
                upstream: server, status: status, count: count, retryAfter: retryAfter, after: after)
            do {
                let result = try await body(server, proxy)
                await proxy.stop()
                return result
            } catch {
                await proxy.stop()
                throw error
            }
        }
    }

    @Test func tooManyRequestsIsRetriedAfterTheTimeTheServiceAsks() async throws {
        try await withProxy(status: 429, count: 2, retryAfter: "1") { server, proxy in
            _ = try await server.createUser("ada")
            let logs = LogCollector()
            let connector = try server.connector(url: proxy.url, logger: logs.logger)
            let objects = try await fullImport(connector)
            #expect(objects.values.map { $0["userName"] } == [.string("ada")])
            #expect(try await proxy.counts().faults == 2)
            let retries = logs.all.filter { $0.message == "SCIM request failed; retrying" }
            #expect(retries.count == 2)
            for retry in retries {
                #expect(retry.metadata["failure"] == "HTTP 429")
                #expect(
                    retry.metadata["delayMilliseconds"] == "1000", "Retry-After: 1 is honoured, not the 20 ms backoff")
                #expect(retry.metadata["request"] == "GET /ServiceProviderConfig")
            }
        }
    }

    @Test func serverErrorsAreRetriedWithBackoffUntilTheyPass() async throws {
        try await withProxy(status: 500, count: 3) { server, proxy in
            let logs = LogCollector()
            let connector = try server.connector(url: proxy.url, logger: logs.logger)
            let results = try await connector.export([
                .add(ConnectorObject(anchor: "", objectType: "User", attributes: ["userName": [.string("ada")]]))
            ])
            guard case .applied(let anchor) = results[0] else { throw TestFailure("\(results)") }
            #expect(try await server.get("/Users/\(anchor.rawValue)")["userName"]?.stringValue == "ada")
            let delays = logs.all.compactMap { $0.metadata["delayMilliseconds"].flatMap { Int($0) } }
            #expect(delays.count == 3)
            // Full jitter between half and all of 20, 40, 80 ms.
            for (delay, backoff) in zip(delays, [20, 40, 80]) { #expect((backoff / 2...backoff).contains(delay)) }
        }
    }

    @Test func retriesAreBounded() async throws {
        try await withProxy(status: 503, count: 1000) { server, proxy in
            let connector = try server.connector(url: proxy.url, ["retryAttempts": 3])
            do {
                _ = try await fullImport(connector)
                Issue.record("the import succeeded through a service that only answers 503")
            } catch let error as ConnectorError {
                #expect(error.code == .transient)
                #expect(
                    error.message
                        == "SCIM service at \(proxy.url) failed GET /ServiceProviderConfig with HTTP 503 after 3 attempts"
                )
            }
            #expect(try await proxy.counts().requests == 3)
        }
    }

    @Test func anOutageFailsTheRestOfAnExportWithoutSendingIt() async throws {
        // Discovery (3 requests) goes through; then the service fails every request.
        try await withProxy(status: 502, count: 1000, after: 3) { server, proxy in
            let connector = try server.connector(url: proxy.url, ["retryAttempts": 2])
            let changes: [ObjectChange] = ["a", "b", "c"].map {
                .update(anchor: $0, objectType: "User", changes: [.replace("title", [.string("x")])])
            }
            let results = try await connector.export(changes)
            #expect(results.count == 3)
            for (change, result) in zip(changes, results) {
                guard case .failed(let error) = result else { throw TestFailure("\(result)") }
                #expect(error.code == .transient)
                #expect(error.anchor == change.anchor)
            }
            guard case .failed(let later) = results[2] else { return }
            #expect(
                later.message
                    == "not sent: SCIM service at \(proxy.url) failed PATCH /Users/a with HTTP 502 after 2 attempts")
            #expect(try await proxy.counts().requests == 3 + 2, "only the first change was tried, twice")
        }
    }

    @Test func aRetryAfterLongerThanTheLimitEndsTheRetries() async throws {
        try await withProxy(status: 429, count: 1000, retryAfter: "3600") { server, proxy in
            let connector = try server.connector(url: proxy.url, ["retryMaxDelay": "60s"])
            do {
                try await connector.testConnection()
                Issue.record("testConnection succeeded through a service that only answers 429")
            } catch let error as ConnectorError {
                #expect(error.code == .transient)
                #expect(error.message.hasSuffix("it asked to retry after 3600 s, longer than retryMaxDelay"))
            }
            #expect(try await proxy.counts().requests == 1)
        }
    }
}
