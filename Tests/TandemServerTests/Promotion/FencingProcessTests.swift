import Foundation
import TandemJournal
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Real `tandem serve` processes under a real PostgreSQL epoch authority.
@Suite(.serialized) struct FencingProcessTests {
    @Test func aFrozenActivePastItsLeaseDoesNotExportAfterResumingAndRejoinsAsStaging() async throws {
        let port = try await PostgresFixture.shared.start()
        let authority = [
            "--authority", "postgres://postgres@127.0.0.1:\(port)/postgres", "--deployment",
            "fence-\(UUID().uuidString.prefix(8))", "--lease-seconds", "1",
        ]
        let primary = try await Deployment.demo(people: 60)
        let standby = try primary.stagingCopy()
        let active = try await ServerProcess(
            config: primary.config, arguments: authority + ["--server-id", "a"], label: "a")
        let staging = try await ServerProcess(
            config: standby.config,
            arguments: authority + ["--server-id", "b", "--role", "staging", "--primary", active.url], label: "b")
        try await eventually("the staging server has caught up") {
            let a = try await HTTP.status(active, token: primary.token)
            let b = try await HTTP.status(staging, token: primary.token)
            return (a["lastSeq"] as? Int) == (b["lastSeq"] as? Int) && (a["lastSeq"] as? Int ?? 0) > 0
        }

        // Freeze the active; promote the staging server by force: it waits for the lapsed lease.
        kill(active.pid, SIGSTOP)
        let promoted = try await TandemBinary.run([
            "promote", "--config", standby.config, "--server", staging.url, "--force",
        ])
        #expect(promoted.status == 0, "\(staging.log)")
        #expect(promoted.output.contains("active under epoch 2"), "\(promoted.output)")

        // The old active resumes and has work to export (a leaver in its HR file), but it is fenced.
        let exportedBefore = primary.read("directory/accounts.jsonl")
        let csv = primary.read("hr.csv")
        let newline = csv.contains("\r\n") ? "\r\n" : "\n"
        var people = csv.components(separatedBy: newline)
        people.remove(at: 3)
        try primary.write(people.joined(separator: newline), to: "hr.csv")
        kill(active.pid, SIGCONT)
        let cycle = try await HTTP.request(active.url + "/v1/cycle", method: "POST", token: primary.token)
        #expect(cycle.status == 200, "\(cycle.text)")
        let runs = try #require(try cycle.json()["runs"] as? [[String: Any]])
        let exports = runs.suffix(2)
        #expect(exports.allSatisfy { $0["status"] as? String == "stopped-fenced" }, "\(runs)")
        #expect(primary.read("directory/accounts.jsonl") == exportedBefore, "the superseded active exported")

        // It stops, moves its divergent tail aside, and follows the new active.
        #expect(await active.stop() == 0)
        let rejoined = try await TandemBinary.run(["rejoin", "--config", primary.config, "--primary", staging.url])
        #expect(rejoined.status == 0)
        #expect(rejoined.output.contains("divergent tail: seqs"), "\(rejoined.output)")
        let follower = try await ServerProcess(
            config: primary.config, arguments: authority + ["--role", "staging", "--primary", staging.url],
            label: "a-staging")
        try await eventually("the old active follows the new one") {
            let a = try await HTTP.status(follower, token: primary.token)
            let b = try await HTTP.status(staging, token: primary.token)
            return (a["lastSeq"] as? Int) == (b["lastSeq"] as? Int)
                && (a["stateDigest"] as? String) == (b["stateDigest"] as? String) && (a["epoch"] as? Int) == 2
        }
        let diverged = try FileManager.default.contentsOfDirectory(atPath: primary.journalDirectory + "/diverged")
        #expect(diverged.count == 1)
        #expect(await follower.stop() == 0)
        #expect(await staging.stop() == 0)
    }
}
