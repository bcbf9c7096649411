import Foundation
import Testing

/// The time-travel commands on the demo deployment, run as an operator would: checkpoint,
/// restore points, restore (dry run and for real), explain, replay --trace, whatif, stats.
@Suite struct TimeTravelCommandTests {
    static func json(_ result: TandemProcess.Result) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    @Test func checkpointRestoreExplainTraceAndWhatIf() async throws {
        let directory = TemporaryDirectory("timetravel")
        let demo = try await TandemProcess.run(["demo", "--dir", directory.path, "--people", "150"])
        #expect(demo.status == 0, "\(demo.stderr)")
        func run(_ arguments: [String]) async throws -> TandemProcess.Result {
            try await TandemProcess.run(arguments, directory: directory.path)
        }

        // A checkpoint on demand; replay then starts from it.
        let checkpoint = try await run(["checkpoint"])
        #expect(checkpoint.status == 0, "\(checkpoint.stderr)")
        #expect(checkpoint.stdout.hasPrefix("checkpoint at seq "))
        #expect(try await run(["checkpoint", "--list"]).lines.count >= 1)
        let replay = try await Self.json(try run(["replay", "--json"]))
        let lastSeq = try #require(replay["lastSeq"] as? Int)
        #expect(replay["checkpointSeq"] as? Int == lastSeq - 1)
        #expect(replay["eventsReplayed"] as? Int == 1)
        let status = try await Self.json(try run(["status", "--json"]))
        #expect(status["stateDigest"] as? String == replay["stateDigest"] as? String)

        // A named point, then a dry run and a real restore to an early seq.
        let point = try await run(["restore-point", "before-test"])
        #expect(point.stdout == "restore point 'before-test' at seq \(lastSeq + 1)\n")
        let early = try await Self.json(try run(["replay", "--to-seq", "40", "--json"]))
        let dry = try await run(["restore", "--to-seq", "40", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("plan: seq 40 → state at seq 40"))
        #expect(dry.stdout.contains("dry run: nothing was changed"))
        #expect(try await Self.json(try run(["status", "--json"]))["lastSeq"] as? Int == lastSeq + 1)
        let plan = try await Self.json(try run(["restore", "--to-seq", "40", "--dry-run", "--json"]))
        #expect(plan["restoredDigest"] as? String == early["stateDigest"] as? String)

        let restore = try await run(["restore", "--to-seq", "40"])
        #expect(restore.status == 0, "\(restore.stderr)")
        let restored = try await Self.json(try run(["status", "--json"]))
        #expect(restored["stateDigest"] as? String == early["stateDigest"] as? String)
        #expect(restored["epoch"] as? Int == 2)
        // The abandoned future is still readable.
        let abandoned = try await Self.json(try run(["replay", "--to-seq", "\(lastSeq)", "--json"]))
        #expect(abandoned["stateDigest"] as? String == status["stateDigest"] as? String)
        // Exports wait for a re-import; a cycle does it.
        let export = try await run(["run", "directory", "export"])
        #expect(export.status == 2)
        #expect(export.stderr.contains("was restored to an earlier state and must be imported before it exports"))
        let cycle = try await run(["cycle"])
        #expect(cycle.status == 0, "\(cycle.stderr)")
        #expect(cycle.stdout.contains("directory full-import"))
        let live = try await Self.json(try run(["status", "--json"]))
        #expect(
            try await Self.json(try run(["replay", "--json"]))["stateDigest"] as? String == live["stateDigest"]
                as? String)
        #expect(try await run(["journal", "verify", "data/journal"]).status == 0)
        // Back to the named point.
        let back = try await run(["restore", "--to-point", "before-test"])
        #expect(back.status == 0, "\(back.stderr)")
        #expect(
            try await Self.json(try run(["status", "--json"]))["stateDigest"] as? String == status["stateDigest"]
                as? String)
        let unknown = try await run(["restore", "--to-point", "nope", "--dry-run"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.hasPrefix("error: no restore point is named 'nope'"))

        // explain: the rule, source and event behind a value, and the history.
        let explain = try await run(["explain", "hr", "E100011", "surname"])
        #expect(explain.status == 0, "\(explain.stderr)")
        #expect(explain.stdout.contains("surname: Hamilton-Lovelace"))
        #expect(explain.stdout.contains("← rule 'HR people in' (precedence 10) from hr/E100011, set at seq "))
        #expect(explain.stdout.contains("flow: [surname]"))
        #expect(explain.stdout.contains("history:"))
        let explained = try await Self.json(try run(["explain", "hr", "E100011", "--json"]))
        #expect((explained["attributes"] as? [[String: Any]])?.isEmpty == false)

        // replay --trace follows one object through a stretch of the journal.
        let trace = try await run(["replay", "--from-seq", "1", "--to-seq", "\(lastSeq)", "--trace", "hr/E100011"])
        #expect(trace.status == 0, "\(trace.stderr)")
        #expect(trace.stdout.contains("import hr/E100011: upsert"))
        #expect(trace.stdout.contains("sync: mv:"))

        // whatif: the current rules predict nothing new; a changed flow predicts one update per account.
        let same = try await run(["whatif", "--rules", "tandem.yaml"])
        #expect(same.stdout == "no export would differ from today's\n", "\(same.stderr)")
        let text = try String(contentsOfFile: directory.file("tandem.yaml"), encoding: .utf8)
        try text.replacingOccurrences(of: #"cn: "[displayName]""#, with: #"cn: '"X " & [displayName]'"#)
            .write(toFile: directory.file("candidate.yaml"), atomically: true, encoding: .utf8)
        let whatif = try await run(["whatif", "--rules", "candidate.yaml"])
        #expect(whatif.status == 0, "\(whatif.stderr)")
        #expect(whatif.stdout.contains("directory: 0 adds, 152 updates, 0 deletes differ"))
        let before = try await Self.json(try run(["status", "--json"]))
        #expect(await before["lastSeq"] as? Int == (try Self.json(try run(["replay", "--json"])))["lastSeq"] as? Int)

        // journal stats shows the restore window.
        let stats = try await run(["journal", "stats", "data/journal", "--config", "tandem.yaml"])
        #expect(stats.status == 0, "\(stats.stderr)")
        #expect(stats.stdout.contains("retention:   not configured: everything is kept"))
        #expect(stats.stdout.contains("restorable:  from seq 1"))
    }
}
