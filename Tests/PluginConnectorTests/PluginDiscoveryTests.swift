import ConnectorKit
import Foundation
import Testing

@testable import PluginConnector

/// Plug-ins are found in the configured directories, then `Plugins/` beside the configuration, then
/// `TANDEM_PLUGIN_PATH`; a broken `plugin.json` is reported with what is wrong.
@Suite struct PluginDiscoveryTests {
    @Test func searchPathOrder() {
        let path = PluginCatalog.searchPath(
            baseDirectory: "/etc/tandem", configured: ["vendor", "/opt/plugins"],
            environment: { $0 == "TANDEM_PLUGIN_PATH" ? "/usr/lib/tandem/plugins:/etc/tandem/Plugins" : nil })
        #expect(path == ["/etc/tandem/vendor", "/opt/plugins", "/etc/tandem/Plugins", "/usr/lib/tandem/plugins"])
    }

    @Test func earlierDirectoriesShadowLaterOnes() throws {
        let directory = try PluginFixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try PluginFixtures.writePlugin("same", in: directory + "/first", script: "")
        try PluginFixtures.writePlugin("same", in: directory + "/second", script: "")
        try FileManager.default.createDirectory(
            atPath: directory + "/second/Plugins/not-a-plugin", withIntermediateDirectories: true)
        let catalog = PluginCatalog(searchPath: [directory + "/first/Plugins", directory + "/second/Plugins"])
        #expect(catalog.entries.map(\.name) == ["same", "same"])
        #expect(catalog.entries.map(\.isShadowed) == [false, true])
        #expect(try catalog.manifest(named: "same").directory == directory + "/first/Plugins/same")
    }

    @Test func theRepositoryPluginsAreValid() throws {
        let catalog = PluginCatalog(searchPath: [PluginFixtures.repositoryPlugins])
        let manifest = try catalog.manifest(named: "hr-sqlite")
        #expect(manifest.version == "1.0.0")
        #expect(manifest.capabilities.deltaImport)
        #expect(manifest.capabilities.exportOperations == [.add, .update, .delete])
    }

    @Test func unknownPluginNamesWhereItLooked() throws {
        let directory = try PluginFixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try PluginFixtures.writePlugin("present", in: directory, script: "")
        let error = try #require(throws: ConnectorError.self) {
            try PluginCatalog(searchPath: [directory + "/Plugins"]).manifest(named: "absent")
        }
        #expect(error.message == "no plug-in named 'absent' in \(directory)/Plugins; found: present")
    }

    @Test(arguments: [
        (#"{"name":"bad","version":"1","protocolVersion":1,"command":"python3"}"#, "capabilities: is missing"),
        (
            #"{"name":"bad","version":1,"protocolVersion":1,"command":"x","capabilities":{"objectTypes":[]}}"#,
            "version: expected a string, found an integer"
        ),
        (
            #"{"name":"other","version":"1","protocolVersion":1,"command":"x","capabilities":{"objectTypes":[]}}"#,
            "name 'other' differs from its folder's name 'bad'; they must agree"
        ),
        (
            #"{"name":"bad","version":"1","protocolVersion":1,"command":"x","capabilities":{"objectTypes":[],"export":["move"]}}"#,
            "capabilities.export: unknown operation 'move'; expected add, update, delete or rename"
        ),
        (#"{"name":"bad", "version"}"#, "is not valid JSON: expected ':' after a member name at byte 25"),
    ])
    func invalidManifests(json: String, problem: String) throws {
        let directory = try PluginFixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let folder = directory + "/Plugins/bad"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try json.write(toFile: folder + "/plugin.json", atomically: true, encoding: .utf8)
        let catalog = PluginCatalog(searchPath: [directory + "/Plugins"])
        let error = try #require(throws: ConnectorError.self) { try catalog.manifest(named: "bad") }
        #expect(error.code == .invalidConfiguration)
        #expect(error.message == "\(folder)/plugin.json: \(problem)")
    }

    @Test func commandNotFound() async throws {
        let directory = try PluginFixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let folder = directory + "/Plugins/ghost"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try
            #"{"name":"ghost","version":"1","protocolVersion":1,"command":"./missing.sh","capabilities":{"objectTypes":["person"]}}"#
            .write(toFile: folder + "/plugin.json", atomically: true, encoding: .utf8)
        let connector = try PluginFixtures.connector("ghost", in: directory)
        let error = try await PluginFixtures.connectorError { try await connector.testConnection() }
        #expect(
            error.message
                == "plug-in 'ghost': \(folder)/./missing.sh (its command in \(folder)/plugin.json) is not executable")
    }

    /// Secrets reach the plug-in in `hello` only: not in its environment or arguments, and they are redacted from
    /// its log lines.
    @Test func secretsTravelInTheHandshakeOnly() async throws {
        let directory = try PluginFixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try PluginFixtures.writePlugin(
            "secretive", in: directory,
            script: """
                for message in requests():
                    if message["type"] == "hello":
                        hello = message
                        ready(message)
                    else:
                        leaked = [k for k, v in os.environ.items() if "hunter2" in v] + [a for a in sys.argv if "hunter2" in a]
                        details = ["password=" + hello["secrets"].get("password", "none"), "leaks=%d" % len(leaked),
                                   "region=" + hello["settings"].get("region", "none"),
                                   "settingsKeys=" + ",".join(sorted(hello["settings"]))]
                        send({"type": "tested", "id": message["id"], "details": details})
                """)
        let connector = try PluginFixtures.connector(
            "secretive", in: directory,
            settings: ["passwordEnv": .string("HR_PASSWORD"), "region": .string("eu")],
            environment: { $0 == "HR_PASSWORD" ? "hunter2" : nil })
        let details = try await connector.testDetails()
        #expect(details == ["password=hunter2", "leaks=0", "region=eu", "settingsKeys=region"])
        await connector.shutDown()
    }
}
