import ArgumentParser
import ConnectorKit
import Foundation
import TandemEngine
import TandemJournal

/// `tandem demo`: Tandem's main job on its embedded default, the file connector. No server needed.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract:
            "Sync a generated HR system into a directory with the file connector: initial cycle, changes, delta cycle, replay.",
        discussion: """
            Writes DIR/hr.csv and DIR/groups.csv (the HR system), DIR/tandem.yaml, and syncs them into \
            DIR/directory/*.jsonl. Then hires, renames, moves and lets people go, runs a delta cycle, shows \
            pending exports and the run history, and replays the journal to show the same state digest. \
            Every other command works on what it leaves: cd DIR && tandem status.
            """)

    @Option(help: "Where to put the demo (created if missing; a previous demo there is replaced).")
    var dir = "tandem-demo"

    @Option(help: "How many people the HR system holds.")
    var people = 1_000

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard (20...2_000_000).contains(people) else { throw ValidationError("--people must be 20–2000000") }
    }

    func run() async throws {
        global.bootstrapLogging()
        try await runReportingEngineErrors { try await demo() }
    }

    private func demo() async throws {
        let manager = FileManager.default
        let root = URL(fileURLWithPath: dir).standardizedFileURL.path
        let marker = root + "/.tandem-demo"
        if manager.fileExists(atPath: root + "/tandem.yaml") || manager.fileExists(atPath: root + "/data") {
            guard manager.fileExists(atPath: marker) else {
                throw CLIFailure(
                    message: "\(root) holds a Tandem deployment not made by 'tandem demo'; choose another --dir",
                    exitCode: 2)
            }
            for item in ["data", "directory", "hr.csv", "groups.csv", "tandem.yaml"] {
                try? manager.removeItem(atPath: root + "/" + item)
            }
        }
        try manager.createDirectory(atPath: root + "/directory", withIntermediateDirectories: true)
        _ = manager.createFile(atPath: marker, contents: Data("made by tandem demo\n".utf8))
        let scenario = DemoScenario(people: people)
        var staff = (0..<people).map(scenario.person)
        try write(DemoScenario.peopleCSV(staff), to: root + "/hr.csv")
        try write(DemoScenario.groupsCSV(staff), to: root + "/groups.csv")
        try write("", to: root + "/directory/accounts.jsonl")
        try write("", to: root + "/directory/groups.jsonl")
        try write(DemoScenario.configuration + "\n", to: root + "/tandem.yaml")
        let configuration = try ConfigurationLoader.load(path: root + "/tandem.yaml")

        Terminal.print(
            "== 1. The HR system: \(people) people in \(root)/hr.csv, \(DemoScenario.departments.count) department groups in groups.csv"
        )
        Terminal.print("== 2. Initial cycle: full import, full sync, export on every connector")
        let clock = ContinuousClock()
        var elapsed = try await clock.measure {
            try await CycleCommand.runCycle(configuration, initial: true, quiet: true)
        }
        Terminal.print("   initial cycle took \(Self.seconds(elapsed))")
        Terminal.print(
            "== 3. Confirming import: the directory now holds what was exported (export confirmed by import)")
        try await CycleCommand.runCycle(configuration, initial: false, quiet: true)

        Terminal.print("== 4. Changes in HR: 5 hires, a surname change, a department move, 3 leavers")
        for i in people..<people + 5 { staff.append(scenario.person(i)) }
        staff[11].surname = "Hamilton-Lovelace"
        staff[11].mail = "ada.hamilton-lovelace.11@example.org"
        let moved = 12
        let oldDepartment = staff[moved].department
        staff[moved].department = DemoScenario.departments.first { $0 != oldDepartment }!
        for leaver in [15, 16, 17] { staff[leaver].status = "terminated" }
        try write(DemoScenario.peopleCSV(staff), to: root + "/hr.csv")
        try write(DemoScenario.groupsCSV(staff), to: root + "/groups.csv")
        Terminal.print(
            "   \(staff[moved].employeeID) moves from \(oldDepartment) to \(staff[moved].department); \(staff[15].employeeID), \(staff[16].employeeID), \(staff[17].employeeID) leave"
        )

        Terminal.print("== 5. Delta cycle: delta import, delta sync, export")
        elapsed = try await clock.measure {
            try await CycleCommand.runCycle(configuration, initial: false, quiet: true)
        }
        Terminal.print("   delta cycle took \(Self.seconds(elapsed))")
        Terminal.print("   …and the next delta cycle confirms the exports by import:")
        try await CycleCommand.runCycle(configuration, initial: false, quiet: true)

        let state = try EngineContext.replayedState(configuration)
        Terminal.print(
            "== 6. Pending exports (tandem exports pending): \(state.connectorSpaces.values.reduce(0) { $0 + $1.pendingExports.count })"
        )
        Terminal.print(
            "   directory holds \(state.space("directory").objects.count) accounts; metaverse holds \(state.metaverse.count) objects"
        )
        let renamed = state.space("directory").objects[Anchor(staff[11].employeeID.lowercased())]
        Terminal.print(
            "   \(staff[11].employeeID.lowercased()) is now '\(renamed?.attributes["cn"]?.first?.text ?? "?")'")
        Terminal.print(
            "   leavers' accounts: \([15, 16, 17].map { state.space("directory").objects[Anchor(staff[$0].employeeID.lowercased())] == nil ? "deleted" : "still there" }.joined(separator: ", "))"
        )

        Terminal.print("== 7. Run history (tandem runs)")
        for run in state.runs.suffix(6) {
            let s = run.statistics ?? RunStatistics()
            Terminal.print(
                "   #\(run.runID) \(run.connector ?? "*") \(run.profile.rawValue): \(run.status?.rawValue ?? "running") adds \(s.adds) updates \(s.updates) deletes \(s.deletes)"
            )
        }

        Terminal.print("== 8. Replay: the journal alone rebuilds the same state (tandem replay)")
        let live = state.stateDigest
        let replayed = try EngineReplay.replay(directory: EngineContext.journalDirectory(configuration)).stateDigest
        Terminal.print("   live     \(live)")
        Terminal.print("   replayed \(replayed)  \(live == replayed ? "✓ identical" : "✗ DIFFERENT")")
        guard live == replayed else { throw CLIFailure(message: "replay did not reproduce the live state") }
        let stats = try JournalStatistics.collect(directory: EngineContext.journalDirectory(configuration))
        Terminal.print(
            "   journal: \(stats.events) events in \(stats.frames) frames, \(Terminal.formatBytes(stats.storedBytes)) on disk (\(String(format: "%.1f", stats.compressionRatio))× compressed)"
        )
        Terminal.print("")
        Terminal.print(
            "Try: cd \(dir) && tandem status && tandem runs && tandem show hr E100011 && tandem journal inspect data/journal --json | head"
        )
    }

    private func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    static func seconds(_ duration: Duration) -> String {
        let (s, atto) = duration.components
        return String(format: "%.2f s", Double(s) + Double(atto) / 1e18)
    }
}
