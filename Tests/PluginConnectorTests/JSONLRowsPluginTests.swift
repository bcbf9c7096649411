import ConnectorKit
import Foundation
import Testing

@testable import PluginConnector

/// The shipped jsonl-rows plug-in (the benchmark's subject) imports each row as one object, with JSON's kinds of
/// values, arrays as multi-valued attributes and nulls left out; it refuses a delta import.
@Suite struct JSONLRowsPluginTests {
    @Test func importsEveryRow() async throws {
        let directory = try PluginFixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
        {"employeeId":"E1","givenName":"Ada","phones":["1","2"],"level":3,"active":true,"title":null}

        {"employeeId":"E2","givenName":"Grace \\"Amazing\\"","phones":[]}
        """.write(toFile: directory + "/people.jsonl", atomically: true, encoding: .utf8)
        let connector = try PluginConnector(
            manifest: PluginManifest(directory: PluginFixtures.repositoryPlugins + "/jsonl-rows"),
            configuration: ConnectorConfiguration(
                name: "rows", type: "plugin",
                settings: [
                    "plugin": .string("jsonl-rows"), "path": .string("people.jsonl"), "anchor": .string("employeeId"),
                ], baseDirectory: directory))
        let batches = try await PluginFixtures.importAll(connector)
        #expect(
            batches.flatMap(\.items) == [
                .object(
                    ConnectorObject(
                        anchor: "E1", objectType: "person",
                        attributes: [
                            "employeeId": [.string("E1")], "givenName": [.string("Ada")],
                            "phones": [.string("1"), .string("2")], "level": [.integer(3)], "active": [.boolean(true)],
                        ])),
                .object(
                    ConnectorObject(
                        anchor: "E2", objectType: "person",
                        attributes: ["employeeId": [.string("E2")], "givenName": [.string("Grace \"Amazing\"")]])),
            ])
        #expect(batches.last?.isComplete == true)
        let error = try await PluginFixtures.connectorError {
            _ = try await PluginFixtures.importAll(connector, .delta(Watermark("x")))
        }
        #expect(error == ConnectorError(.unsupported, "jsonl-rows imports in full only"))
        await connector.shutDown()
    }

    /// Rows go into the messages verbatim, so a row with a member twice (which JSON parsers resolve silently, each
    /// its own way) is refused with the file's line rather than passed on.
    @Test func refusesARowWithAMemberTwice() async throws {
        let directory = try PluginFixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
        {"employeeId":"E1","givenName":"Ada"}
        {"employeeId":"E2","givenName":"Grace","givenName":"Ada"}
        """.write(toFile: directory + "/people.jsonl", atomically: true, encoding: .utf8)
        let connector = try PluginConnector(
            manifest: PluginManifest(directory: PluginFixtures.repositoryPlugins + "/jsonl-rows"),
            configuration: ConnectorConfiguration(
                name: "rows", type: "plugin",
                settings: [
                    "plugin": .string("jsonl-rows"), "path": .string("people.jsonl"), "anchor": .string("employeeId"),
                ], baseDirectory: directory))
        let error = try await PluginFixtures.connectorError { _ = try await PluginFixtures.importAll(connector) }
        #expect(error == ConnectorError(.other, "\(directory)/people.jsonl, line 2: a member appears twice"))
        await connector.shutDown()
    }
}
