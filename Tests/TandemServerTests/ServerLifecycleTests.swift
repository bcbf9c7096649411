import Foundation
import TandemJournal
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Authentication, graceful shutdown and configuration errors of `tandem serve`.
@Suite(.serialized) struct ServerLifecycleTests {
    @Test func everyProtectedEndpointRefusesAMissingOrWrongToken() async throws {
        let deployment = try await Deployment.demo(people: 30)
        let server = try await ServerProcess(config: deployment.config, label: "auth")
        let endpoints: [(String, String)] = [
            ("GET", "/v1/status"), ("GET", "/metrics"), ("GET", "/v1/journal?from=1"), ("GET", "/v1/journal/head"),
            ("POST", "/v1/cycle"), ("GET", "/v1/nothing-here"), ("POST", "/v1/promote"), ("POST", "/healthz"),
        ]
        let token = deployment.token
        let wrongTokens: [String?] = [nil, "", "wrong", String(token.dropLast()), token + "x", token.uppercased()]
        for (method, path) in endpoints {
            for wrong in wrongTokens {
                let reply = try await HTTP.request(server.url + path, method: method, token: wrong)
                #expect(reply.status == 401, "\(method) \(path) with \(wrong == nil ? "no token" : "a wrong token")")
                #expect(reply.body.isEmpty)
            }
        }
        var basic = URLRequest(url: URL(string: server.url + "/v1/status")!)
        basic.setValue(
            "Basic \(Data("tandem:\(token)".utf8).base64EncodedString())", forHTTPHeaderField: "Authorization")
        #expect((try await URLSession.shared.data(for: basic).1 as! HTTPURLResponse).statusCode == 401)

        let health = try await HTTP.request(server.url + "/healthz", token: nil)
        #expect(health.status == 200)
        #expect(try await HTTP.request(server.url + "/v1/status", token: token).status == 200)
        #expect(try await HTTP.request(server.url + "/v1/journal/head", token: token).status == 200)
        let metrics = try await HTTP.request(server.url + "/metrics", token: token)
        #expect(metrics.text.contains("tandem_http_unauthorized_total \(endpoints.count * wrongTokens.count + 1)"))

        #expect(await server.stop() == 0)
        #expect(!server.log.contains(token))
        #expect(!server.output.contains(token))
    }

    @Test func sigtermStopsTheServerGracefullyAndReleasesTheJournal() async throws {
        let deployment = try await Deployment.demo(people: 30)
        let server = try await ServerProcess(config: deployment.config, label: "term")
        // A journal stream is open (following) when the signal arrives.
        let (url, token) = (server.url, deployment.token)
        let stream = Task { try await HTTP.request(url + "/v1/journal?from=1", token: token) }
        try await eventually("the journal stream is open") {
            let metrics = try await HTTP.request(server.url + "/metrics", token: deployment.token)
            return metrics.text.contains("tandem_journal_streams_open 1")
        }
        #expect(await server.stop(SIGTERM) == 0)
        #expect(server.output.contains("tandem serve: stopped"))
        let shipped = try await stream.value
        #expect(shipped.status == 200)
        #expect(shipped.body.count == (try deployment.frames()).reduce(0) { $0 + $1.bytes.count })
        // The writer lock is released and the journal is sound.
        let journal = try Journal.open(directory: deployment.journalDirectory)
        await journal.close()
        let verify = try await TandemBinary.run(["journal", "verify", deployment.journalDirectory])
        #expect(verify.status == 0)
    }

    @Test func aStagingServerStopsGracefullyOnSIGINT() async throws {
        let primary = try await Deployment.demo(people: 30)
        let standby = try primary.stagingCopy()
        let active = try await ServerProcess(config: primary.config, label: "active")
        let staging = try await ServerProcess(
            config: standby.config, arguments: ["--role", "staging", "--primary", active.url], label: "staging")
        try await eventually("the staging server has the journal") {
            let status = try await HTTP.status(staging, token: primary.token)
            return (status["lagSeq"] as? Int) == 0 && (status["lastSeq"] as? Int ?? 0) > 0
        }
        #expect(await staging.stop(SIGINT) == 0)
        #expect(await active.stop(SIGTERM) == 0)
    }

    @Test func serveRefusesToStartWithoutAToken() async throws {
        let deployment = try await Deployment.demo(people: 20)
        let config = deployment.read("tandem.yaml").replacingOccurrences(
            of: "  tokenFile: ./server-token\n", with: "  listen: 127.0.0.1:0\n")
        try deployment.write(config, to: "tandem.yaml")
        let result = try await TandemBinary.run(["serve", "--config", deployment.config])
        #expect(result.status == 2)
    }

    @Test(arguments: [
        ("  token: hunter2\n", "server.token"),
        ("  listen: localhost\n", "server.listen"),
        ("  role: primary\n", "server.role"),
    ])
    func badServerSettingsAreNamed(line: String, key: String) async throws {
        let deployment = try await Deployment.demo(people: 20)
        try deployment.write(deployment.read("tandem.yaml") + line, to: "tandem.yaml")
        let result = try await TandemBinary.runCapturingErrors(["serve", "--config", deployment.config])
        #expect(result.status == 2)
        #expect(result.errors.contains(key), "\(result.errors)")
        #expect(!result.errors.contains("hunter2"))
    }
}
