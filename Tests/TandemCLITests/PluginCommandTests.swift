import Foundation
import Testing

/// `tandem plugins list` and `tandem connector test/schema`, run as a user would, against the shipped
/// hr-sqlite plug-in and the file connector.
@Suite struct PluginCommandTests {
    /// The repository's `Plugins/` folder.
    static let repositoryPlugins: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path + "/Plugins"
    }()

    /// A deployment whose configuration names the repository's plug-ins and holds an hr-sqlite connector, a
    /// file connector, and a plug-in connector whose plug-in is missing.
    private func deployment() throws -> TemporaryDirectory {
        let directory = TemporaryDirectory("plugins")
        try """
        dataDir: ./data
        pluginDirectories: [\(Self.repositoryPlugins)]
        connectors:
          hr:
            type: plugin
            plugin: hr-sqlite
            database: ./hr.db
            create: true
          people:
            type: file
            path: ./people.jsonl
            objectType: person
            anchor: employeeId
          ghost:
            type: plugin
            plugin: no-such-plugin
        metaverse:
          person: {}
        rules: []
        """.write(toFile: directory.file("tandem.yaml"), atomically: true, encoding: .utf8)
        try #"{"employeeId":"E1","givenName":"Ada"}"#.write(
            toFile: directory.file("people.jsonl"), atomically: true, encoding: .utf8)
        return directory
    }

    @Test func pluginsListShowsTheShippedPlugins() async throws {
        let directory = try deployment()
        let result = try await TandemProcess.run(["plugins", "list", "--json"], directory: directory.path)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let plugins = try #require(json["plugins"] as? [[String: Any]])
        let names = plugins.compactMap { $0["name"] as? String }
        #expect(names.contains("hr-sqlite"))
        #expect(names.contains("jsonl-rows"))
        let hr = try #require(plugins.first { $0["name"] as? String == "hr-sqlite" })
        #expect(hr["usable"] as? Bool == true)
        #expect(hr["protocolVersion"] as? Int == 1)
        let searchPath = try #require(json["searchPath"] as? [String])
        #expect(searchPath.first == Self.repositoryPlugins)
        #expect(searchPath.dropFirst().first == directory.path + "/Plugins")

        let text = try await TandemProcess.run(["plugins", "list"], directory: directory.path)
        #expect(text.lines.contains("hr-sqlite 1.0.0 (protocol 1)"))
    }

    @Test func pluginsListReportsAnInvalidManifest() async throws {
        let directory = TemporaryDirectory("plugins-invalid")
        try FileManager.default.createDirectory(
            atPath: directory.file("Plugins/broken"), withIntermediateDirectories: true)
        try "{".write(toFile: directory.file("Plugins/broken/plugin.json"), atomically: true, encoding: .utf8)
        let result = try await TandemProcess.run(["plugins", "list"], directory: directory.path)
        #expect(result.status == 1)
        #expect(result.lines.contains("broken invalid"))
        #expect(
            result.lines.contains(
                "    \(directory.path)/Plugins/broken/plugin.json: is not valid JSON: expected a member name in quotes at byte 2"
            ))
    }

    @Test func connectorTestOfAPlugin() async throws {
        let directory = try deployment()
        let result = try await TandemProcess.run(["connector", "test", "hr"], directory: directory.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.lines.first == "connector hr (plugin)")
        #expect(result.lines.contains("  ok     connect"))
        #expect(result.lines.contains("         0 people, 0 departments"))
        #expect(result.lines.contains("  ok     schema"))
        #expect(result.lines.contains("         person: 12 attributes (anchor employeeId)"))
        #expect(result.lines.last == "  supports: full import, delta import, export (add, delete, update)")
    }

    @Test func connectorTestOfAFileConnector() async throws {
        let directory = try deployment()
        let result = try await TandemProcess.run(["connector", "test", "people", "--json"], directory: directory.path)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["ok"] as? Bool == true)
        #expect(json["type"] as? String == "file")
    }

    @Test func connectorTestOfAMissingPluginFails() async throws {
        let directory = try deployment()
        let result = try await TandemProcess.run(["connector", "test", "ghost"], directory: directory.path)
        #expect(result.status == 2)
        #expect(result.stderr.contains("connectors.ghost.plugin (line 16): no plug-in named 'no-such-plugin' in"))
    }

    @Test func connectorSchemaAsJSON() async throws {
        let directory = try deployment()
        let result = try await TandemProcess.run(["connector", "schema", "hr", "--json"], directory: directory.path)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let classes = try #require(json["objectClasses"] as? [[String: Any]])
        #expect(classes.compactMap { $0["objectType"] as? String } == ["department", "person"])
        let person = try #require(classes.last?["attributes"] as? [[String: Any]])
        let manager = try #require(person.first { $0["name"] as? String == "manager" })
        #expect(manager["kind"] as? String == "reference")
        #expect(manager["referencedTypes"] as? [String] == ["person"])

        let text = try await TandemProcess.run(["connector", "schema", "hr"], directory: directory.path)
        #expect(text.lines.contains("  phones: string, multi-valued"))
        #expect(text.lines.contains("  manager: reference → person"))
    }

    @Test func unknownConnectorNamesTheConfiguredOnes() async throws {
        let directory = try deployment()
        let result = try await TandemProcess.run(["connector", "schema", "nope"], directory: directory.path)
        #expect(result.status == 2)
        #expect(result.stderr.contains("no connector named 'nope' is configured; configured: hr, people, ghost"))
    }
}
