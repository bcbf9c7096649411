import Foundation
import TandemJournal
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The active dies with SIGKILL mid-export (after the file target was written, before the
/// results reached its journal); the staging server, sharing the connected systems, is promoted
/// by force and must leave every intended change in the target exactly once.
@Suite(.serialized) struct ForcedFailoverProcessTests {
    /// A staging server's folder whose configuration points at `deployment`'s connected-system files.
    static func sharingTargets(with deployment: Deployment) throws -> String {
        let root = FileManager.default.temporaryDirectory.path + "/tandem-server-b-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let yaml = deployment.read("tandem.yaml").replacingOccurrences(
            of: "path: ./", with: "path: \(deployment.root)/")
        try yaml.write(toFile: root + "/tandem.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: deployment.root + "/server-token", toPath: root + "/server-token")
        return root
    }

    @Test func everyChangeReachesTheTargetExactlyOnce() async throws {
        let primary = try await Deployment.demo(people: 40)
        let standbyRoot = try Self.sharingTargets(with: primary)
        defer { try? FileManager.default.removeItem(atPath: standbyRoot) }
        let active = try await ServerProcess(
            config: primary.config, environment: ["TANDEM_TEST_KILL_AFTER_EXPORT_CALLS": "1"], label: "a")
        let staging = try await ServerProcess(
            config: standbyRoot + "/tandem.yaml", arguments: ["--role", "staging", "--primary", active.url],
            label: "b")
        try await eventually("the staging server has caught up") {
            let a = try await HTTP.status(active, token: primary.token)
            let b = try await HTTP.status(staging, token: primary.token)
            return (a["lastSeq"] as? Int) == (b["lastSeq"] as? Int) && (a["lastSeq"] as? Int ?? 0) > 0
        }

        let accountsBefore = primary.read("directory/accounts.jsonl").split(separator: "\n").count
        // Five new people: the active exports them and dies right after writing, before recording it.
        var hr = primary.read("hr.csv")
        let newline = hr.contains("\r\n") ? "\r\n" : "\n"
        if !hr.hasSuffix(newline) { hr += newline }
        for n in 0..<5 {
            hr +=
                "E9000\(n),New,Person\(n),new.person.\(n)@example.org,Engineering,Engineer,,active,+1 555 900\(n)"
                + newline
        }
        try primary.write(hr, to: "hr.csv")
        _ = try? await HTTP.request(active.url + "/v1/cycle", method: "POST", token: primary.token)
        #expect(await active.exited() > 128, "the active was told to crash")
        let afterCrash = primary.read("directory/accounts.jsonl")
        for n in 0..<5 { #expect(afterCrash.contains("\"uid\":\"e9000\(n)\""), "the export reached the file") }

        let promoted = try await TandemBinary.run([
            "promote", "--config", standbyRoot + "/tandem.yaml", "--server", staging.url, "--force",
            "--i-have-stopped-the-old-active",
        ])
        #expect(promoted.status == 0, "\(staging.log)")
        let cycle = try await HTTP.request(staging.url + "/v1/cycle", method: "POST", token: primary.token)
        #expect(cycle.status == 200, "\(cycle.text)")
        let second = try await HTTP.request(staging.url + "/v1/cycle", method: "POST", token: primary.token)
        #expect(second.status == 200, "\(second.text)")

        let lines = primary.read("directory/accounts.jsonl").split(separator: "\n")
        var uids: [String: Int] = [:]
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            uids[object["uid"] as? String ?? "", default: 0] += 1
        }
        #expect(uids.values.allSatisfy { $0 == 1 }, "duplicated: \(uids.filter { $0.value > 1 })")
        #expect(uids.count == accountsBefore + 5, "every account once: \(uids.count) for \(accountsBefore) + 5")
        let status = try await HTTP.status(staging, token: primary.token)
        #expect((status["pendingExports"] as? [String: Int])?["directory"] == 0, "\(status)")
        #expect(await staging.stop() == 0)
    }
}
