import BenchmarkSupport
import ConnectorKit
import FileConnector
import Foundation
import PluginConnector

/// The people every subject imports, and the connectors that read them.
struct BenchmarkData: Sendable {
    let folder: String
    let count: Int

    /// The repository's `Plugins/` folder.
    static let plugins: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path + "/Plugins"
    }()

    var jsonlPath: String { folder + "/people.jsonl" }

    private static let givenNames = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia"]
    private static let surnames = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Perlman"]
    private static let titles = ["Engineer", "Analyst", "Manager", "Designer", "Accountant", "Recruiter"]

    /// One JSON object per person: eleven string attributes, a manager and one or two phones.
    func writeJSONLines() throws {
        var text = ""
        text.reserveCapacity(count * 330)
        for index in 0..<count {
            let given = Self.givenNames[index % Self.givenNames.count]
            let surname = Self.surnames[index / 7 % Self.surnames.count]
            let id = "E\(100_000 + index)"
            let manager = index < 10 ? "" : #","manager":"E\#(100_000 + index / 10)""#
            let phones =
                index % 3 == 0
                ? #"["+44 20 7946 \#(index % 10_000)","+44 7700 900\#(index % 1_000)"]"#
                : #"["+44 20 7946 \#(index % 10_000)"]"#
            text += #"{"employeeId":"\#(id)","givenName":"\#(given)","surname":"\#(surname)","#
            text += #""displayName":"\#(given) \#(surname)","mail":"\#(given.lowercased()).\#(index)@example.org","#
            text += #""title":"\#(Self.titles[index % Self.titles.count])","department":"D\#(index % 40)","#
            text += #""hireDate":"20\#(10 + index % 15)-0\#(1 + index % 9)-1\#(index % 10)","#
            text += #""costCenter":"CC-\#(index % 250)","office":"Building \#(index % 12)","#
            text += #""status":"active"\#(manager),"phones":\#(phones)}"# + "\n"
        }
        try text.write(toFile: jsonlPath, atomically: false, encoding: .utf8)
    }

    /// The same people in hr-sqlite's tables, loaded with its own schema and triggers.
    func writeSQLite() async throws {
        let script = """
            import json, sqlite3, sys
            sys.path.insert(0, sys.argv[1])
            import hr_sqlite
            db = sqlite3.connect(sys.argv[2])
            db.executescript(hr_sqlite.SCHEMA_SQL)
            db.executescript(hr_sqlite.TRACKING_SQL)
            people, phones = [], []
            for line in open(sys.argv[3]):
                p = json.loads(line)
                people.append((p["employeeId"], p["givenName"], p["surname"], p["displayName"], p["mail"],
                               p["title"], p["department"], p.get("manager"), p["hireDate"], 1))
                phones += [(p["employeeId"], i, phone) for i, phone in enumerate(p["phones"])]
            db.executemany("INSERT INTO people (employee_id, given_name, surname, display_name, mail, title, "
                           "department, manager, hire_date, active) VALUES (?,?,?,?,?,?,?,?,?,?)", people)
            db.executemany("INSERT INTO phones (employee_id, position, phone) VALUES (?,?,?)", phones)
            db.commit()
            """
        let seconds = try await TimedProcess.run(
            "/usr/bin/env", ["python3", "-c", script, Self.plugins + "/hr-sqlite", folder + "/hr.db", jsonlPath])
        FileHandle.standardError.write(Data("hr.db loaded in \(Format.seconds(seconds))\n".utf8))
    }

    func fileConnector() throws -> any Connector {
        try FileConnectorFactory().makeConnector(
            ConnectorConfiguration(
                name: "file", type: "file",
                settings: [
                    "path": .string(jsonlPath), "objectType": .string("person"), "anchor": .string("employeeId"),
                    "multiValued": .list([.string("phones")]), "pageSize": .integer(1000),
                ], baseDirectory: folder))
    }

    func jsonlPlugin() throws -> any Connector {
        try PluginConnector(
            manifest: PluginManifest(directory: Self.plugins + "/jsonl-rows"),
            configuration: ConnectorConfiguration(
                name: "rows", type: "plugin",
                settings: [
                    "plugin": .string("jsonl-rows"), "path": .string(jsonlPath), "anchor": .string("employeeId"),
                ], baseDirectory: folder))
    }

    func sqlitePlugin() throws -> any Connector {
        try PluginConnector(
            manifest: PluginManifest(directory: Self.plugins + "/hr-sqlite"),
            configuration: ConnectorConfiguration(
                name: "hr", type: "plugin", settings: ["plugin": .string("hr-sqlite"), "database": .string("hr.db")],
                baseDirectory: folder))
    }
}
