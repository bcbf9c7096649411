import ConnectorKit
import Foundation
import Logging
import TandemJournal
import Testing

@testable import PluginConnector
@testable import TandemEngine

/// A plug-in killed mid-import changes nothing in the connector space: the engine sees no batch of an import the
/// plug-in did not complete, and the next run succeeds.
@Suite struct PluginImportAtomicityTests {
    @Test func pluginKilledMidImportLeavesTheConnectorSpaceUnchanged() async throws {
        let directory = try PluginFixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let control = directory + "/control"
        try "good".write(toFile: control, atomically: true, encoding: .utf8)
        // Pages of one object each: with "good", E1–E3 then end; with "die", changed E1, a new E4, then SIGKILL.
        try PluginFixtures.writePlugin(
            "hr-flaky", in: directory,
            script: """
                for message in requests():
                    if message["type"] == "hello":
                        ready(message)
                    elif message["type"] == "import":
                        rid = message["id"]
                        mode = open("\(control)").read().strip()
                        if mode == "good":
                            for anchor in ["E1", "E2", "E3"]:
                                send({"type": "objects", "id": rid, "items": [person(anchor)]})
                            send({"type": "end", "id": rid, "watermark": "w-good"})
                        else:
                            send({"type": "objects", "id": rid, "items": [person("E1", "Changed")]})
                            send({"type": "objects", "id": rid, "items": [person("E4")]})
                            os.kill(os.getpid(), signal.SIGKILL)
                """)
        let connector = try PluginFixtures.connector("hr-flaky", in: directory)
        let configuration = Configuration(
            baseDirectory: directory, dataDirectory: directory,
            connectors: [ConnectorConfiguration(name: "hr", type: "plugin", settings: [:])],
            metaverse: ["person": .init()], inboundRules: [], outboundRules: [])
        var options = JournalOptions()
        options.logger.logLevel = .warning
        let journal = try Journal.open(directory: directory + "/journal", options: options)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let engine = try SyncEngine(
            configuration: configuration, journal: journal, connectors: ["hr": connector],
            compile: ExpressionLanguage.flowCompiler, logger: logger)

        let first = try await engine.run(.fullImport, connector: "hr")
        #expect(first.status == .success)
        let before = await engine.state.space("hr")
        #expect(before.objects.count == 3)
        #expect(before.watermark == Watermark("w-good"))

        try "die".write(toFile: control, atomically: true, encoding: .utf8)
        let failed = try await engine.run(.fullImport, connector: "hr")
        #expect(failed.status == .stoppedConnectorError)
        #expect(failed.message.contains("plug-in 'hr-flaky' was killed by signal 9 (SIGKILL) during import"))
        #expect(await engine.state.space("hr") == before)
        // A replay of the journal agrees: nothing of the killed import was recorded.
        #expect(try EngineReplay.replay(directory: directory + "/journal").space("hr") == before)

        try "good".write(toFile: control, atomically: true, encoding: .utf8)
        let again = try await engine.run(.fullImport, connector: "hr")
        #expect(again.status == .success)
        #expect(await engine.state.space("hr").objects.count == 3)
        await journal.close()
        await connector.shutDown()
    }
}
