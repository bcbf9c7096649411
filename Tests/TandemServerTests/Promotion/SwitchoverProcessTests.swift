import Foundation
import TandemJournal
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Role changes between real `tandem serve` processes on loopback, driven by the `tandem` CLI.
@Suite(.serialized) struct SwitchoverProcessTests {
    private func waitForSameState(_ a: ServerProcess, _ b: ServerProcess, token: String) async throws
        -> (a: [String: Any], b: [String: Any])
    {
        var result: ([String: Any], [String: Any]) = ([:], [:])
        try await eventually("both servers hold the same journal") {
            let first = try await HTTP.status(a, token: token)
            let second = try await HTTP.status(b, token: token)
            result = (first, second)
            return (first["lastSeq"] as? Int) == (second["lastSeq"] as? Int)
                && (first["stateDigest"] as? String) == (second["stateDigest"] as? String)
        }
        return result
    }

    @Test func aPlannedSwitchoverLosesNothingAndExportsNothingTwice() async throws {
        let primary = try await Deployment.demo(people: 120)
        let standby = try primary.stagingCopy()
        let active = try await ServerProcess(config: primary.config, label: "a")
        let staging = try await ServerProcess(
            config: standby.config, arguments: ["--role", "staging", "--primary", active.url], label: "b")
        let cycle = try await HTTP.request(active.url + "/v1/cycle", method: "POST", token: primary.token)
        #expect(cycle.status == 200, "\(cycle.text)")
        let (before, _) = try await waitForSameState(active, staging, token: primary.token)

        let switched = try await TandemBinary.run([
            "switchover", "--config", primary.config, "--active", active.url, "--staging", staging.url,
        ])
        #expect(switched.status == 0, "\(switched.output)\n\(active.log)\n\(staging.log)")
        #expect(switched.output.contains("active under epoch 2"), "\(switched.output)")

        // The new active's next cycle finds nothing genuinely pending: nothing is exported twice.
        let next = try await HTTP.request(staging.url + "/v1/cycle", method: "POST", token: primary.token)
        #expect(next.status == 200, "\(next.text)")
        let runs = try #require(try next.json()["runs"] as? [[String: Any]])
        let written = runs.reduce(0) {
            $0 + ($1["adds"] as? Int ?? 0) + ($1["updates"] as? Int ?? 0) + ($1["deletes"] as? Int ?? 0)
        }
        #expect(written == 0, "\(runs)")

        // The old active follows the new one and ends with the same state; no event was lost.
        let (a, b) = try await waitForSameState(active, staging, token: primary.token)
        #expect(a["role"] as? String == "staging")
        #expect(b["role"] as? String == "active")
        #expect(b["epoch"] as? Int == 2)
        #expect(a["epoch"] as? Int == 2)
        #expect((b["lastSeq"] as? Int ?? 0) > (before["lastSeq"] as? Int ?? 0))
        let history = EpochHistory(try JournalReader(directory: primary.journalDirectory))
        #expect(history.starts.map(\.epoch) == [1, 2])
        #expect(history.starts.last?.firstSeq == (before["lastSeq"] as? Int).map { UInt64($0 + 1) })

        // A demoted server refuses cycles; promoting a server that is already active is harmless.
        let refused = try await HTTP.request(active.url + "/v1/cycle", method: "POST", token: primary.token)
        #expect(refused.status == 409)
        #expect(await active.stop() == 0)
        #expect(await staging.stop() == 0)
    }

    @Test func aForcedPromotionWithoutAnAuthorityNeedsConfirmation() async throws {
        let primary = try await Deployment.demo(people: 40)
        let standby = try primary.stagingCopy()
        let active = try await ServerProcess(config: primary.config, label: "a")
        let staging = try await ServerProcess(
            config: standby.config, arguments: ["--role", "staging", "--primary", active.url], label: "b")
        _ = try await waitForSameState(active, staging, token: primary.token)
        await active.stop(SIGKILL)

        let refused = try await TandemBinary.runCapturingErrors([
            "promote", "--config", standby.config, "--server", staging.url, "--force",
        ])
        #expect(refused.status != 0)
        #expect(refused.errors.contains("--i-have-stopped-the-old-active"), "\(refused.errors)")
        let promoted = try await TandemBinary.run([
            "promote", "--config", standby.config, "--server", staging.url, "--force",
            "--i-have-stopped-the-old-active",
        ])
        #expect(promoted.status == 0, "\(staging.log)")
        let status = try await HTTP.status(staging, token: primary.token)
        #expect(status["role"] as? String == "active")
        #expect(status["epoch"] as? Int == 2)
        #expect(await staging.stop() == 0)
    }
}
