import ConnectorKit
import Foundation
import Logging
import Synchronization
import TandemTestSupport
import Testing

@testable import SCIMConnector

/// A real scim2-server on a free loopback port, started by `Tests/Servers/scim-server.sh` and stopped when the
/// test ends (``stop()``).
final class SCIMTestServer: Sendable {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let script = repositoryRoot + "/Tests/Servers/scim-server.sh"

    let directory: String
    let port: Int
    let token: String

    var url: String { "http://127.0.0.1:\(port)/v2" }

    private init(directory: String, port: Int, token: String) {
        self.directory = directory
        self.port = port
        self.token = token
    }

    static func start() async throws -> SCIMTestServer {
        let directory = FileManager.default.temporaryDirectory.path + "/tandem-scim-\(UUID().uuidString)"
        let token = "tok-" + UUID().uuidString
        var lastError = ""
        for _ in 0..<5 {
            let port = try ChildProcess.freePort()
            let (status, output) = try await ChildProcess.run([script, "start", directory, String(port), token])
            if status == 0 { return SCIMTestServer(directory: directory, port: port, token: token) }
            lastError = output
        }
        throw TestFailure("could not start scim2-server: \(lastError)")
    }

    func stop() async {
        _ = try? await ChildProcess.run([Self.script, "stop", directory])
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A connector on this server (or on `url`, e.g. a fault proxy in front of it), with extra settings.
    func connector(
        url: String? = nil, token: String? = nil, _ extra: [String: ConfigurationValue] = [:],
        logger: Logger = Logger(label: "tandem.test.scim")
    ) throws -> SCIMConnector {
        let secret = token ?? self.token
        var settings: [String: ConfigurationValue] = [
            "url": .string(url ?? self.url), "tokenEnv": "SCIM_TEST_TOKEN", "retryBaseDelay": "20ms",
        ]
        settings.merge(extra) { _, new in new }
        return try SCIMConnector(
            configuration: ConnectorConfiguration(
                name: "cloud", type: "scim", settings: settings,
                environment: { $0 == "SCIM_TEST_TOKEN" ? secret : nil }),
            logger: logger)
    }

    /// Raw requests straight to the server, for setting up and checking state outside the connector.
    var direct: SCIMTransport {
        SCIMTransport(
            baseURL: url, token: Secret(token), timeout: .seconds(30),
            retry: RetryPolicy(attempts: 1, baseDelay: .zero, maxDelay: .zero), logger: Logger(label: "test.direct"))
    }

    func get(_ path: String) async throws -> JSONValue {
        let response = try await direct.send(SCIMRequest(method: .GET, path: path))
        guard response.isSuccess, let body = response.body else {
            throw TestFailure("GET \(path) answered \(response.status)")
        }
        return body
    }

    @discardableResult
    func send(_ method: SCIMRequest.Method, _ path: String, _ body: JSONValue? = nil) async throws -> SCIMResponse {
        try await direct.send(SCIMRequest(method: method, path: path, body: body))
    }

    /// Creates a user directly; returns its id.
    func createUser(_ userName: String, extra: [String: JSONValue] = [:]) async throws -> String {
        var body: [String: JSONValue] = [
            "schemas": .array([.string(SCIMSchema.coreUser)]), "userName": .string(userName),
        ]
        body.merge(extra) { _, new in new }
        let response = try await send(.POST, "/Users", .object(body))
        guard let id = response.body?["id"]?.stringValue else { throw TestFailure("POST /Users: \(response.status)") }
        return id
    }

    static func patchBody(_ operations: [JSONValue]) -> JSONValue {
        .object([
            "schemas": .array([.string("urn:ietf:params:scim:api:messages:2.0:PatchOp")]),
            "Operations": .array(operations),
        ])
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body` with a fresh server and stops it afterwards, whatever happens.
func withSCIMServer<T>(_ body: (SCIMTestServer) async throws -> T) async throws -> T {
    let server = try await SCIMTestServer.start()
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// Collects log records, to check what a connector logs (and that it never logs secrets or bodies).
final class LogCollector: Sendable {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]

        var text: String {
            message + " " + metadata.sorted { $0.key < $1.key }.map { "\($0)=\($1)" }.joined(separator: " ")
        }
    }

    let records = Mutex<[Record]>([])

    var logger: Logger {
        var logger = Logger(label: "tandem.test.scim") { _ in Handler(collector: self) }
        logger.logLevel = .trace
        return logger
    }

    var all: [Record] { records.withLock { $0 } }

    struct Handler: LogHandler {
        let collector: LogCollector
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let record = Record(
                level: event.level, message: "\(event.message)",
                metadata: metadata.merging(event.metadata ?? [:]) { _, new in new }.mapValues { "\($0)" })
            collector.records.withLock { $0.append(record) }
        }
    }
}

/// The objects a full import returns, by anchor.
func fullImport(_ connector: any Connector) async throws -> [Anchor: ConnectorObject] {
    var objects: [Anchor: ConnectorObject] = [:]
    for try await batch in connector.importObjects(ImportRequest(mode: .full, connectorSpace: EmptySpace())) {
        for case .object(let object) in batch.items { objects[object.anchor] = object }
    }
    return objects
}

struct EmptySpace: ConnectorSpaceView {
    func anchors() -> [Anchor] { [] }
    func object(_ anchor: Anchor) -> ConnectorObject? { nil }
}

// Settings written as literals, as in tandem.yaml.
extension ConfigurationValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByArrayLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(arrayLiteral elements: ConfigurationValue...) { self = .list(elements) }
}
