import Foundation
import TandemJournal
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// An active and a staging server, as real `tandem serve` processes on loopback: the staging server
/// ends with the active's journal byte for byte and the same state, and never exports.
@Suite(.serialized) struct StagingReplicationTests {
    @Test func theStagingServerReplaysTheActiveExactlyAndNeverExports() async throws {
        let primary = try await Deployment.demo(people: 150)
        let standby = try primary.stagingCopy()
        let exportedBefore = standby.read("directory/accounts.jsonl")
        let active = try await ServerProcess(config: primary.config, label: "active")
        let staging = try await ServerProcess(
            config: standby.config, arguments: ["--role", "staging", "--primary", active.url], label: "staging")

        // Cycles on the active, with changes in HR between them: a leaver and a rename.
        var cycle = try await HTTP.request(active.url + "/v1/cycle", method: "POST", token: primary.token)
        #expect(cycle.status == 200, "\(cycle.text)")
        let csv = primary.read("hr.csv")
        let newline = csv.contains("\r\n") ? "\r\n" : "\n"  // the demo writes RFC 4180 CSV (CRLF)
        var people = csv.components(separatedBy: newline)
        try #require(people.count > 10)
        people.remove(at: 5)
        people[7] = people[7].replacingOccurrences(of: "@example.org", with: "@example.net")
        try primary.write(people.joined(separator: newline), to: "hr.csv")
        for _ in 0..<2 {
            cycle = try await HTTP.request(active.url + "/v1/cycle", method: "POST", token: primary.token)
            #expect(cycle.status == 200, "\(cycle.text)")
        }

        let (a, s) = try await caughtUp(active, staging, token: primary.token)
        #expect(s["role"] as? String == "staging")
        #expect(a["role"] as? String == "active")
        #expect(s["stateDigest"] as? String == a["stateDigest"] as? String)
        #expect(s["stateDigest"] as? String != nil)
        #expect(s["epoch"] as? Int == a["epoch"] as? Int)
        #expect(s["lagSeconds"] as? Double == 0)
        #expect(s["primary"] as? String == active.url)
        #expect(s["journalID"] as? String == a["journalID"] as? String)
        #expect((s["pendingExports"] as? [String: Int]) == (a["pendingExports"] as? [String: Int]))
        let lastRun = try #require(s["lastRun"] as? [String: Any])
        #expect(lastRun["runID"] as? Int == (a["lastRun"] as? [String: Any])?["runID"] as? Int)

        // Byte for byte: the staging journal holds the very frames the active wrote.
        #expect(try standby.frames() == primary.frames())
        // It never exported: its copy of the directory is untouched.
        #expect(standby.read("directory/accounts.jsonl") == exportedBefore)
        #expect(primary.read("directory/accounts.jsonl") != exportedBefore)

        // `tandem exports pending` works on the staging server's data: what it would export if promoted.
        let pendingThere = try await TandemBinary.run(["exports", "pending", "--json", "--config", standby.config])
        let pendingHere = try await TandemBinary.run(["exports", "pending", "--json", "--config", primary.config])
        #expect(pendingThere.status == 0)
        #expect(pendingThere.output == pendingHere.output)

        let metrics = try await HTTP.request(staging.url + "/metrics", token: primary.token)
        #expect(metrics.status == 200)
        #expect(metrics.text.contains("tandem_staging_lag_seq 0"))
        #expect(metrics.text.contains("tandem_role{role=\"staging\"} 1"))
        #expect(await staging.stop() == 0)
        #expect(await active.stop() == 0)
    }

    @Test func cyclesAreRefusedOnAStagingServer() async throws {
        let primary = try await Deployment.demo(people: 40)
        let standby = try primary.stagingCopy()
        let active = try await ServerProcess(config: primary.config, label: "active")
        let staging = try await ServerProcess(
            config: standby.config, arguments: ["--role", "staging", "--primary", active.url], label: "staging")
        let reply = try await HTTP.request(staging.url + "/v1/cycle", method: "POST", token: primary.token)
        #expect(reply.status == 409)
        #expect(reply.text.contains("only the active server runs cycles; this server is staging"))
        _ = active
    }

    @Test func aStagingServerKilledMidShipmentResumesWithoutAGapOrADuplicate() async throws {
        let primary = try await Deployment.demo(people: 1500)
        let standby = try primary.stagingCopy()
        let active = try await ServerProcess(config: primary.config, label: "active")
        let target = try primary.frames()
        let lastSeq = try #require(target.last).header.lastSeq

        // Slowed down (small batches, a pause after each), so that the kill lands mid-shipment.
        var staging = try await ServerProcess(
            config: standby.config, arguments: ["--role", "staging", "--primary", active.url],
            environment: ["TANDEM_TEST_SHIPPING_PAUSE_MS": "2000", "TANDEM_TEST_SHIPPING_BATCH_BYTES": "2048"],
            label: "slow")
        try await eventually("some frames arrived") {
            (try await HTTP.status(staging, token: primary.token)["lastSeq"] as? Int ?? 0) > 0
        }
        await staging.stop(SIGKILL)
        let durable = try JournalReader(directory: standby.journalDirectory).lastSeq
        #expect(durable > 0 && durable < lastSeq, "the kill should land mid-shipment (\(durable) of \(lastSeq))")

        staging = try await ServerProcess(
            config: standby.config, arguments: ["--role", "staging", "--primary", active.url], label: "resumed")
        _ = try await caughtUp(active, staging, token: primary.token)
        // No gap and no duplicate: the same frames, in order, once each, and a sound journal.
        #expect(try standby.frames() == target)
        let verify = try await TandemBinary.run(["journal", "verify", standby.journalDirectory])
        #expect(verify.status == 0, "\(verify.output)")
        let a = try await HTTP.status(active, token: primary.token)
        let s = try await HTTP.status(staging, token: primary.token)
        #expect(s["stateDigest"] as? String == a["stateDigest"] as? String)
    }

    /// Applying reads the durable frames back from the staging server's own journal, so however far
    /// it falls behind, frames keep becoming durable as fast as they arrive, and nothing applied is
    /// lost or applied twice when applying catches up, or when the server restarts before it has.
    @Test func framesBecomeDurableWhileApplyingFallsBehind() async throws {
        let primary = try await Deployment.demo(people: 300)
        let standby = try primary.stagingCopy()
        let active = try await ServerProcess(config: primary.config, label: "active")
        let target = try primary.frames()
        let lastSeq = Int(try #require(target.last).header.lastSeq)

        var staging = try await slowApplyingStaging(
            following: active, from: standby, pausingMilliseconds: 60000, durableThrough: lastSeq, token: primary.token)
        let behind = try await HTTP.status(staging, token: primary.token)
        #expect((behind["lastSeq"] as? Int ?? -1) == 0, "nothing is applied while applying is held back")
        #expect((behind["lagSeq"] as? Int ?? 0) > 0)
        #expect(try standby.frames() == target)

        // Restarted before it applied anything: the durable frames are applied from its journal.
        await staging.stop(SIGKILL)
        staging = try await ServerProcess(
            config: standby.config, arguments: ["--role", "staging", "--primary", active.url], label: "resumed")
        let (a, s) = try await caughtUp(active, staging, token: primary.token)
        #expect(s["stateDigest"] as? String == a["stateDigest"] as? String)
        #expect(try standby.frames() == target)
    }

    /// The same without a restart: applying catches up with what became durable while it was held back.
    @Test func applyingCatchesUpWithTheDurableFrames() async throws {
        let primary = try await Deployment.demo(people: 300)
        let standby = try primary.stagingCopy()
        let active = try await ServerProcess(config: primary.config, label: "active")
        let lastSeq = Int(try #require(try primary.frames().last).header.lastSeq)
        let staging = try await slowApplyingStaging(
            following: active, from: standby, pausingMilliseconds: 1500, durableThrough: lastSeq, token: primary.token)
        let (a, s) = try await caughtUp(active, staging, token: primary.token)
        #expect(s["stateDigest"] as? String == a["stateDigest"] as? String)
        #expect(s["lastSeq"] as? Int == lastSeq)
    }

    /// A staging server that pauses before applying each batch, once every frame through `lastSeq` is durable.
    private func slowApplyingStaging(
        following active: ServerProcess, from standby: Deployment, pausingMilliseconds pause: Int,
        durableThrough lastSeq: Int, token: String
    ) async throws -> ServerProcess {
        let staging = try await ServerProcess(
            config: standby.config, arguments: ["--role", "staging", "--primary", active.url],
            environment: ["TANDEM_TEST_APPLY_PAUSE_MS": "\(pause)", "TANDEM_TEST_SHIPPING_BATCH_BYTES": "4096"],
            label: "slow-apply")
        try await eventually("every frame is durable") {
            let shipping = try await HTTP.status(staging, token: token)["shipping"] as? [String: Any]
            return shipping?["durableSeq"] as? Int == lastSeq
        }
        return staging
    }

    @Test func aCorruptedShippedFrameIsRejectedAndFetchedAgain() async throws {
        let primary = try await Deployment.demo(people: 150)
        let standby = try primary.stagingCopy()
        let active = try await ServerProcess(config: primary.config, label: "active")
        // One bit flipped in transit, inside the payload of a frame past the first.
        let frames = try primary.frames()
        let offset = frames[0].bytes.count + frames[1].bytes.count / 2 + 64
        let staging = try await ServerProcess(
            config: standby.config, arguments: ["--role", "staging", "--primary", active.url],
            environment: ["TANDEM_TEST_FLIP_SHIPPED_BYTE": "\(offset)"], label: "staging")
        _ = try await caughtUp(active, staging, token: primary.token)

        let status = try await HTTP.status(staging, token: primary.token)
        let shipping = try #require(status["shipping"] as? [String: Any])
        #expect(shipping["framesRejected"] as? Int == 1)
        #expect((shipping["connections"] as? Int ?? 0) >= 2)
        #expect(staging.log.contains("rejected a shipped frame; fetching it again"))
        #expect(staging.log.contains("fails its checksum"))
        #expect(try standby.frames() == frames)
        #expect(
            status["stateDigest"] as? String == (try await HTTP.status(active, token: primary.token))["stateDigest"]
                as? String)
    }

    @Test func aStagingServerRefusesAPrimaryOfAnotherDeployment() async throws {
        let primary = try await Deployment.demo(people: 40)
        let other = try await Deployment.demo(people: 40, label: "other", token: primary.token)
        let before = try other.frames()
        let active = try await ServerProcess(config: primary.config, label: "active")
        let staging = try await ServerProcess(
            config: other.config, arguments: ["--role", "staging", "--primary", active.url], label: "staging")
        try await eventually("the staging server reports the refusal") {
            let shipping = try await HTTP.status(staging, token: primary.token)["shipping"] as? [String: Any]
            return (shipping?["lastError"] as? String)?.contains("refusing the primary") == true
        }
        let status = try await HTTP.status(staging, token: primary.token)
        #expect(status["lastSeq"] as? Int == before.last.map { Int($0.header.lastSeq) })
        #expect(try other.frames() == before)
    }
}
