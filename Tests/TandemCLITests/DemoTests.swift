import Foundation
import Testing

/// `tandem demo` and the engine commands on what it leaves, run as a user would.
@Suite struct DemoTests {
    @Test func theDemoSyncsEndToEndAndEveryCommandWorksOnIt() async throws {
        let directory = TemporaryDirectory("demo")
        let demo = try await TandemProcess.run(["demo", "--dir", directory.path, "--people", "150"])
        #expect(demo.status == 0, "\(demo.stderr)")
        #expect(demo.stdout.contains("✓ identical"))
        #expect(demo.stdout.contains("leavers' accounts: deleted, deleted, deleted"))
        #expect(demo.stdout.contains("== 6. Pending exports (tandem exports pending): 0"))

        // The directory file holds the accounts Tandem exported.
        let accounts = try String(contentsOfFile: directory.file("directory/accounts.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        #expect(accounts.count == 150 + 5 - 3)

        let status = try await TandemProcess.run(["status", "--json"], directory: directory.path)
        #expect(status.status == 0, "\(status.stderr)")
        let state = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let replay = try await TandemProcess.run(["replay", "--json"], directory: directory.path)
        let replayed = try #require(try JSONSerialization.jsonObject(with: Data(replay.stdout.utf8)) as? [String: Any])
        #expect(state["stateDigest"] as? String == replayed["stateDigest"] as? String)
        #expect(state["lastSeq"] as? Int == replayed["lastSeq"] as? Int)
        let connectors = try #require(state["connectors"] as? [String: [String: Any]])
        #expect(connectors["directory"]?["objects"] as? Int == 152)
        #expect(connectors["hr"]?["objects"] as? Int == 155)

        // Replaying only part of the journal gives an earlier state.
        let early = try await TandemProcess.run(["replay", "--to-seq", "5", "--json"], directory: directory.path)
        let earlyState = try #require(try JSONSerialization.jsonObject(with: Data(early.stdout.utf8)) as? [String: Any])
        #expect(earlyState["lastSeq"] as? Int == 5)
        #expect(earlyState["stateDigest"] as? String != state["stateDigest"] as? String)

        let pending = try await TandemProcess.run(["exports", "pending", "--json"], directory: directory.path)
        #expect(pending.status == 0 && pending.lines.isEmpty)

        let show = try await TandemProcess.run(["show", "hr", "E100011"], directory: directory.path)
        #expect(show.status == 0)
        #expect(show.stdout.contains("surname: Hamilton-Lovelace"))
        let runs = try await TandemProcess.run(["runs", "--json", "--last", "100"], directory: directory.path)
        #expect(runs.lines.count > 20)
        for line in runs.lines {
            let run = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(run["status"] as? String == "success", "\(line)")
        }
        let missing = try await TandemProcess.run(["show", "hr", "NOPE"], directory: directory.path)
        #expect(missing.status == 2)
        #expect(missing.stderr == "error: connector hr holds no object with anchor NOPE\n")

        // Nothing changed, so a delta cycle stages and exports nothing.
        let cycle = try await TandemProcess.run(["cycle"], directory: directory.path)
        #expect(cycle.status == 0, "\(cycle.stderr)")
        #expect(!cycle.stdout.contains("exports staged"))
        #expect(
            try await TandemProcess.run(["journal", "verify", "data/journal"], directory: directory.path).status == 0)
    }

    @Test func aBadConfigurationNamesTheKeyAndLine() async throws {
        let directory = TemporaryDirectory("config")
        try "connectors:\n  hr:\n    type: file\n    path: ./hr.csv\nrules:\n  - name: x\n    direction: upward\n"
            .write(toFile: directory.file("tandem.yaml"), atomically: true, encoding: .utf8)
        let result = try await TandemProcess.run(["status"], directory: directory.path)
        #expect(result.status == 2)
        #expect(
            result.stderr
                == "error: tandem.yaml: rules[0].direction (line 7): unknown direction 'upward'; expected inbound or outbound\n"
        )
    }
}
