import ConnectorKit
import ConnectorKitTesting
import Foundation
import TandemTestSupport
import Testing

@testable import PluginConnector

/// The shipped hr-sqlite plug-in, run as a child process, passes the conformance suite every connector must pass.
@Suite struct HRSQLiteConformanceTests {
    static func templates() -> [ConnectorObject] {
        [
            ConnectorObject(
                anchor: "E1001", objectType: "person",
                attributes: [
                    "givenName": [.string("Ada")], "surname": [.string("Lovelace")], "title": [.string("Analyst")],
                    "hireDate": [.date(microsecondsSince1970: 1_700_000_000_000_000)], "active": [.boolean(true)],
                    "photo": [.binary([0, 1, 2, 255])],
                ]),
            ConnectorObject(
                anchor: "E1002", objectType: "person",
                attributes: [
                    "givenName": [.string("Grace")], "surname": [.string("Hopper")],
                    "phones": [.string("+1 555 0100"), .string("+1 555 0101")],
                ]),
            ConnectorObject(
                anchor: "E1003", objectType: "person",
                attributes: [
                    "givenName": [.string("Édith")], "surname": [.string("Cresson \"quoted\"\n")],
                    "phones": [.string("+33 1 00 00 00 00")], "active": [.boolean(false)],
                ]),
        ]
    }

    @Test func conformance() async throws {
        let directory = try PluginFixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let subject = ConnectorConformance.Subject(
            name: "hr-sqlite plug-in", objectType: "person", templates: Self.templates(),
            singleValuedAttribute: "title", multiValuedAttribute: "phones", referenceAttribute: "manager",
            features: [.deltaImport, .delete]
        ) {
            try PluginConnector(
                manifest: PluginManifest(directory: PluginFixtures.repositoryPlugins + "/hr-sqlite"),
                configuration: ConnectorConfiguration(
                    name: "hr", type: "plugin",
                    settings: ["plugin": .string("hr-sqlite"), "database": .string("hr.db"), "create": .boolean(true)],
                    baseDirectory: directory))
        }
        let failures = await ConnectorConformance(subject).run()
        #expect(failures.isEmpty, "\(failures)")
    }

    /// Departments and managers arrive as references, and changes made directly in the database (by the HR
    /// system, not through Tandem) reach a delta import, deletes included.
    @Test func deltaImportSeesChangesMadeInTheDatabase() async throws {
        let directory = try PluginFixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let connector = try PluginConnector(
            manifest: PluginManifest(directory: PluginFixtures.repositoryPlugins + "/hr-sqlite"),
            configuration: ConnectorConfiguration(
                name: "hr", type: "plugin",
                settings: ["plugin": .string("hr-sqlite"), "database": .string("hr.db"), "create": .boolean(true)],
                baseDirectory: directory))
        defer { Task { await connector.shutDown() } }
        let details = try await connector.testDetails()
        #expect(details.contains("0 people, 0 departments"))
        try await sqlite(
            directory + "/hr.db",
            """
            INSERT INTO departments (id, name) VALUES ('D1', 'Research');
            INSERT INTO people (employee_id, given_name, department, active) VALUES ('E1', 'Ada', 'D1', 1);
            INSERT INTO people (employee_id, given_name, manager, department) VALUES ('E2', 'Grace', 'E1', 'D1');
            """)
        let full = try await PluginFixtures.importAll(connector)
        let objects = full.flatMap(\.items)
        #expect(objects.count == 3)
        #expect(full.last?.isComplete == true)
        let grace = try #require(
            objects.compactMap { item -> ConnectorObject? in
                if case .object(let object) = item, object.anchor == "E2" { return object }
                return nil
            }.first)
        #expect(grace.attributes["manager"] == [.reference("E1")])
        #expect(grace.attributes["department"] == [.reference("D1")])
        let watermark = try #require(full.last?.watermark)

        try await sqlite(
            directory + "/hr.db",
            "UPDATE people SET given_name = 'Augusta' WHERE employee_id = 'E1'; DELETE FROM people WHERE employee_id = 'E2';"
        )
        let delta = try await PluginFixtures.importAll(connector, .delta(watermark)).flatMap(\.items)
        #expect(delta.count == 2)
        #expect(delta.contains(.change(.delete(anchor: "E2", objectType: "person"))))
        #expect(
            delta.contains {
                if case .object(let object) = $0 { return object.attributes["givenName"] == [.string("Augusta")] }
                return false
            })
    }

    private func sqlite(_ path: String, _ statements: String) async throws {
        let python = try await ChildProcess.capture([
            "/usr/bin/env", "python3", "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()", path,
            statements,
        ])
        #expect(python.status == 0, "\(python.errors)")
    }
}
