import Foundation
import TandemJournal
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A staging server that starts from its primary's checkpoint (`GET /v1/checkpoint`) instead of
/// replaying the primary's journal from seq 1, as real `tandem serve` processes on loopback.
@Suite(.serialized) struct CheckpointBootstrapTests {
    /// A demo deployment with a checkpoint written by `tandem checkpoint`, then an active server
    /// that has run `cycles` more cycles (with HR changes) on top of it; returns the checkpoint's seq.
    private func activeWithCheckpoint(people: Int = 150, cycles: Int = 2, environment: [String: String] = [:])
        async throws -> (Deployment, ServerProcess, UInt64)
    {
        let primary = try await Deployment.demo(people: people)
        let checkpoint = try await TandemBinary.run(["checkpoint", "--config", primary.config])
        #expect(checkpoint.status == 0, "\(checkpoint.output)")
        // "checkpoint at seq N, stateDigest …"
        let words = checkpoint.output.split(whereSeparator: { $0 == " " || $0 == "," })
        let seq = try #require(words.firstIndex(of: "seq").flatMap { UInt64(words[$0 + 1]) }, "\(checkpoint.output)")
        let active = try await ServerProcess(config: primary.config, environment: environment, label: "active")
        try await runCycles(cycles, on: active, primary)
        return (primary, active, seq)
    }

    private func runCycles(_ count: Int, on active: ServerProcess, _ primary: Deployment) async throws {
        for round in 0..<count {
            let csv = primary.read("hr.csv")
            let newline = csv.contains("\r\n") ? "\r\n" : "\n"
            var people = csv.components(separatedBy: newline)
            try #require(people.count > 10 + round)
            people.remove(at: 3 + round)
            try primary.write(people.joined(separator: newline), to: "hr.csv")
            let cycle = try await HTTP.request(active.url + "/v1/cycle", method: "POST", token: primary.token)
            #expect(cycle.status == 200, "\(cycle.text)")
        }
    }

    /// The frames of `deployment`'s journal from `seq` on, exactly as stored.
    private func frames(_ deployment: Deployment, from seq: UInt64) throws -> [Frame] {
        let cursor = try JournalReader(directory: deployment.journalDirectory).cursor(from: seq)
        var frames: [Frame] = []
        while let frame = try cursor.nextFrame() { frames.append(frame) }
        return frames
    }

    @Test func aFreshStagingServerBootstrapsFromTheCheckpointFollowsOnAndResumesAfterARestart() async throws {
        let (primary, active, base) = try await activeWithCheckpoint()
        let standby = try primary.stagingCopy()

        // The manifest and the file, behind the bearer token like every other endpoint.
        let refused = try await HTTP.request(active.url + "/v1/checkpoint/manifest", token: "wrong")
        #expect(refused.status == 401)
        let manifest = try await HTTP.request(active.url + "/v1/checkpoint/manifest", token: primary.token)
        #expect(manifest.status == 200, "\(manifest.text)")
        let offered = try manifest.json()
        #expect(offered["seq"] as? Int == Int(base))
        #expect(offered["journalFirstSeq"] as? Int == 1)
        // `tandem checkpoint` right after opening records the time of the last event it replayed.
        #expect((offered["timeMicroseconds"] as? Int ?? 0) > 1_700_000_000_000_000)

        let arguments = ["--role", "staging", "--primary", active.url, "--bootstrap", "checkpoint"]
        var staging = try await ServerProcess(config: standby.config, arguments: arguments, label: "staging")
        var (a, s) = try await caughtUp(active, staging, token: primary.token, sameDigest: true)
        #expect(s["epoch"] as? Int == a["epoch"] as? Int)
        var shipping = try #require(s["shipping"] as? [String: Any])
        #expect(shipping["bootstrapSeq"] as? Int == Int(base))
        #expect(shipping["checkpointsRejected"] as? Int == 0)
        #expect(staging.log.contains("bootstrapped from the primary's checkpoint"))

        // Its journal starts after the checkpoint: no frame at or before it was shipped, and the
        // frames after it are the active's, byte for byte.
        let reader = try JournalReader(directory: standby.journalDirectory)
        #expect(reader.firstSeq == base + 1)
        let shipped = try frames(primary, from: base + 1)
        #expect(try frames(standby, from: base + 1) == shipped)
        #expect(shipping["framesReceived"] as? Int == shipped.count)
        let verify = try await TandemBinary.run(["journal", "verify", standby.journalDirectory])
        #expect(verify.status == 0, "\(verify.output)")

        // It keeps following new cycles.
        try await runCycles(1, on: active, primary)
        (a, s) = try await caughtUp(active, staging, token: primary.token, sameDigest: true)

        // Restarted, it resumes from its own journal and checkpoint: no second bootstrap.
        #expect(await staging.stop() == 0)
        try await runCycles(1, on: active, primary)
        staging = try await ServerProcess(config: standby.config, arguments: arguments, label: "restarted")
        (a, s) = try await caughtUp(active, staging, token: primary.token, sameDigest: true)
        shipping = try #require(s["shipping"] as? [String: Any])
        #expect(shipping["bootstrapSeq"] is NSNull)
        #expect(!staging.log.contains("bootstrapping from the primary's checkpoint"))
        #expect(try JournalReader(directory: standby.journalDirectory).firstSeq == base + 1)

        // Replay works from the checkpoint on, and fails loudly before it.
        let last = try #require(s["lastSeq"] as? Int)
        let replayed = try await TandemBinary.run([
            "replay", "--to-seq", "\(last)", "--json", "--config", standby.config,
        ])
        #expect(replayed.status == 0, "\(replayed.output)")
        #expect(replayed.output.contains(try #require(a["stateDigest"] as? String)), "\(replayed.output)")
        let before = try await TandemBinary.runCapturingErrors([
            "replay", "--to-seq", "\(base - 1)", "--config", standby.config,
        ])
        #expect(before.status != 0)
        #expect(before.errors.contains("cannot be rebuilt"), "\(before.errors)")
        #expect(await staging.stop() == 0)
        #expect(await active.stop() == 0)
    }

    @Test func aCorruptedCheckpointDownloadIsRejectedAndFetchedAgain() async throws {
        let (primary, active, base) = try await activeWithCheckpoint(people: 60, cycles: 1)
        let standby = try primary.stagingCopy()
        let staging = try await ServerProcess(
            config: standby.config,
            arguments: ["--role", "staging", "--primary", active.url, "--bootstrap", "checkpoint"],
            environment: ["TANDEM_TEST_FLIP_CHECKPOINT_BYTE": "200"], label: "staging")
        let (_, s) = try await caughtUp(active, staging, token: primary.token, sameDigest: true)
        let shipping = try #require(s["shipping"] as? [String: Any])
        #expect(shipping["checkpointsRejected"] as? Int == 1)
        #expect(shipping["bootstrapSeq"] as? Int == Int(base))
        #expect(staging.log.contains("rejected"), "\(staging.log)")
        #expect(try JournalReader(directory: standby.journalDirectory).firstSeq == base + 1)
    }

    @Test func aCheckpointOfAnotherJournalIsRefused() async throws {
        let foreign = UUID().uuidString
        let (primary, active, _) = try await activeWithCheckpoint(
            people: 40, cycles: 1, environment: ["TANDEM_TEST_CHECKPOINT_JOURNAL_ID": foreign])
        let standby = try primary.stagingCopy()
        let staging = try await ServerProcess(
            config: standby.config,
            arguments: ["--role", "staging", "--primary", active.url, "--bootstrap", "checkpoint"], label: "staging")
        try await eventually("the staging server reports the refusal") {
            let shipping = try await HTTP.status(staging, token: primary.token)["shipping"] as? [String: Any]
            return (shipping?["lastError"] as? String)?.contains("refusing the checkpoint") == true
        }
        let status = try await HTTP.status(staging, token: primary.token)
        #expect(status["lastSeq"] as? Int == 0)
        // Nothing was installed: no journal, no checkpoint.
        #expect(
            (try? FileManager.default.contentsOfDirectory(atPath: standby.journalDirectory))?.contains("RETAINED")
                != true)
        #expect(
            (try? FileManager.default.contentsOfDirectory(atPath: standby.root + "/data/checkpoints"))?.contains {
                $0.hasSuffix(".ckpt")
            } != true)
    }

    @Test func aJournalThatNoLongerStartsAtSeqOneIsServedOnlyThroughACheckpoint() async throws {
        // A bootstrapped staging server's journal starts after seq 1: a server chained behind it
        // that insists on seq 1 is told to bootstrap; one that may bootstrap does, from its checkpoint.
        let (primary, active, base) = try await activeWithCheckpoint(people: 60, cycles: 1)
        let middle = try primary.stagingCopy(label: "middle")
        let staging = try await ServerProcess(
            config: middle.config,
            arguments: ["--role", "staging", "--primary", active.url, "--bootstrap", "checkpoint"], label: "middle")
        _ = try await caughtUp(active, staging, token: primary.token, sameDigest: true)

        let fromOne = try await HTTP.request(staging.url + "/v1/journal?from=1", token: primary.token)
        #expect(fromOne.status == 416)
        #expect(fromOne.text.contains("must bootstrap from a checkpoint"), "\(fromOne.text)")

        let last = try primary.stagingCopy(label: "last")
        let insisting = try await ServerProcess(
            config: last.config, arguments: ["--role", "staging", "--primary", staging.url, "--bootstrap", "journal"],
            label: "insisting")
        try await eventually("the chained server reports that it must bootstrap") {
            let shipping = try await HTTP.status(insisting, token: primary.token)["shipping"] as? [String: Any]
            return (shipping?["lastError"] as? String)?.contains("must bootstrap from a checkpoint") == true
        }
        #expect(await insisting.stop() == 0)

        // The default (auto) bootstraps, because the journal it follows no longer starts at seq 1.
        let chained = try await ServerProcess(
            config: last.config, arguments: ["--role", "staging", "--primary", staging.url], label: "chained")
        let (_, s) = try await caughtUp(staging, chained, token: primary.token, sameDigest: true)
        #expect((s["shipping"] as? [String: Any])?["bootstrapSeq"] as? Int == Int(base))
        #expect(
            s["stateDigest"] as? String == (try await HTTP.status(active, token: primary.token))["stateDigest"]
                as? String)
    }

    @Test func aBootstrappedStagingServerCanBePromoted() async throws {
        let (primary, active, base) = try await activeWithCheckpoint(people: 80, cycles: 1)
        let standby = try primary.stagingCopy()
        let staging = try await ServerProcess(
            config: standby.config,
            arguments: ["--role", "staging", "--primary", active.url, "--bootstrap", "checkpoint"], label: "b")
        _ = try await caughtUp(active, staging, token: primary.token, sameDigest: true)

        let switched = try await TandemBinary.run([
            "switchover", "--config", primary.config, "--active", active.url, "--staging", staging.url,
        ])
        #expect(switched.status == 0, "\(switched.output)\n\(active.log)\n\(staging.log)")
        #expect(switched.output.contains("active under epoch 2"), "\(switched.output)")

        // The promoted server runs a cycle; the old active follows it and both end in the same state.
        let next = try await HTTP.request(staging.url + "/v1/cycle", method: "POST", token: primary.token)
        #expect(next.status == 200, "\(next.text)")
        let (newActive, oldActive) = try await caughtUp(staging, active, token: primary.token, sameDigest: true)
        #expect(newActive["role"] as? String == "active")
        #expect(oldActive["role"] as? String == "staging")
        #expect(newActive["epoch"] as? Int == 2)
        #expect(try JournalReader(directory: standby.journalDirectory).firstSeq == base + 1)
        #expect(await active.stop() == 0)
        #expect(await staging.stop() == 0)
    }
}
