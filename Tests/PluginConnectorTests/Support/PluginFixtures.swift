import ConnectorKit
import Foundation
import Testing

@testable import PluginConnector

/// Where the repository's plug-ins are, and scratch folders with small plug-ins written for one test.
enum PluginFixtures {
    /// The repository's `Plugins/` folder.
    static let repositoryPlugins: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path + "/Plugins"
    }()

    /// A new empty folder under the temporary directory.
    static func scratchDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.path + "/tandem-plugin-test-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes a plug-in `name` into `directory/Plugins/name`: a manifest and a Python script whose body is
    /// `script`, which may use the helpers of ``prelude`` (`send`, `requests`, `ready`).
    @discardableResult
    static func writePlugin(
        _ name: String, in directory: String, script: String, protocolVersion: Int = 1,
        capabilities: String = #"{"objectTypes":["person"],"deltaImport":true,"export":["add","update"],"pageSize":2}"#
    ) throws -> String {
        let folder = directory + "/Plugins/" + name
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let manifest = """
            {"name":"\(name)","version":"0.0.1","protocolVersion":\(protocolVersion),"command":"python3",\
            "args":["plugin.py"],"capabilities":\(capabilities)}
            """
        try manifest.write(toFile: folder + "/plugin.json", atomically: true, encoding: .utf8)
        try (prelude + script).write(toFile: folder + "/plugin.py", atomically: true, encoding: .utf8)
        return folder
    }

    /// What the test plug-ins share: line I/O and a well-behaved handshake.
    static let prelude = """
        import json, os, signal, sys, time
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        def send(message):
            sys.stdout.write(json.dumps(message) + "\\n")
            sys.stdout.flush()
        def requests():
            for line in sys.stdin:
                if line.strip():
                    yield json.loads(line)
        CAPABILITIES = {"objectTypes": ["person"], "deltaImport": True, "export": ["add", "update"], "pageSize": 2}
        def ready(message, version=1):
            send({"type": "ready", "id": message["id"], "protocolVersion": version,
                  "plugin": {"name": "test", "version": "0.0.1"}, "capabilities": CAPABILITIES})
        def person(anchor, name="Ada"):
            return {"op": "object", "anchor": anchor, "objectType": "person", "attributes": {"givenName": [name]}}

        """

    /// A connector for plug-in `name` found in `directory/Plugins`, with `settings` for the plug-in.
    static func connector(
        _ name: String, in directory: String, settings: [String: ConfigurationValue] = [:],
        environment: @escaping @Sendable (String) -> String? = { _ in nil }
    ) throws -> PluginConnector {
        var all = settings
        all["plugin"] = .string(name)
        let configuration = ConnectorConfiguration(
            name: "test", type: "plugin", settings: all, baseDirectory: directory, environment: environment)
        let factory = PluginConnectorFactory()
        return try #require(try factory.makeConnector(configuration) as? PluginConnector)
    }

    /// Consumes an import to its end.
    static func importAll(_ connector: some Connector, _ mode: ImportRequest.Mode = .full) async throws -> [ImportBatch]
    {
        var batches: [ImportBatch] = []
        for try await batch in connector.importObjects(ImportRequest(mode: mode, connectorSpace: EmptySpace())) {
            batches.append(batch)
        }
        return batches
    }

    /// Runs `body` and returns the `ConnectorError` it throws; fails the test when it throws nothing else.
    static func connectorError(_ body: () async throws -> Void) async throws -> ConnectorError {
        do {
            try await body()
        } catch let error as ConnectorError {
            return error
        }
        throw FixtureError.nothingThrown
    }

    enum FixtureError: Error { case nothingThrown }
}

/// An empty connector space, for imports in tests.
struct EmptySpace: ConnectorSpaceView {
    func anchors() -> [Anchor] { [] }
    func object(_ anchor: Anchor) -> ConnectorObject? { nil }
}
