import ConnectorKit
import ConnectorKitTesting
import FileConnector
import Foundation

/// A temporary directory for one test, removed when the test ends.
final class TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/tandem-file-XXXXXX").utf8CString)
        guard let result = mkdtemp(&template) else { throw ConnectorError(.other, "mkdtemp failed") }
        path = String(cString: result)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let path = file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func read(_ name: String) throws -> String {
        try String(decoding: Data(contentsOf: URL(fileURLWithPath: file(name))), as: UTF8.self)
    }

    func entries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }
}

/// Builds file connectors and runs imports in tests.
enum FileTesting {
    static func configuration(_ path: String, _ settings: [String: ConfigurationValue] = [:]) -> ConnectorConfiguration
    {
        var values: [String: ConfigurationValue] = [
            "path": .string(path), "objectType": "person", "anchor": "employeeId",
        ]
        for (key, setting) in settings { values[key] = setting }
        return ConnectorConfiguration(name: "hr", type: "file", settings: values, baseDirectory: "/")
    }

    static func connector(_ path: String, _ settings: [String: ConfigurationValue] = [:]) throws -> FileConnector {
        try FileConnector(configuration: configuration(path, settings))
    }

    static func batches(
        _ connector: any Connector, _ mode: ImportRequest.Mode = .full,
        space: InMemoryConnectorSpace = InMemoryConnectorSpace()
    ) async throws -> [ImportBatch] {
        var batches: [ImportBatch] = []
        for try await batch in connector.importObjects(ImportRequest(mode: mode, connectorSpace: space)) {
            batches.append(batch)
        }
        return batches
    }

    static func objects(_ connector: any Connector) async throws -> [ConnectorObject] {
        try await batches(connector).flatMap(\.items).map {
            guard case .object(let object) = $0 else { preconditionFailure("a full import returned \($0)") }
            return object
        }
    }

    /// The error an import throws, or `nil`.
    static func importError(_ connector: any Connector) async -> ConnectorError? {
        do {
            _ = try await batches(connector)
            return nil
        } catch {
            return error as? ConnectorError
        }
    }

    static func person(_ anchor: Anchor, _ attributes: Attributes) -> ConnectorObject {
        ConnectorObject(anchor: anchor, objectType: "person", attributes: attributes)
    }
}

// Settings written as literals, as in tandem.yaml.
extension ConfigurationValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .boolean(value) }
    public init(arrayLiteral elements: ConfigurationValue...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, ConfigurationValue)...) {
        self = .map(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
