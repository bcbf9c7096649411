import Foundation
import TandemTestSupport
import Testing

/// Shipping over HTTPS: the active server serves TLS with a throwaway certificate, and the staging
/// server trusts it through `server.tls.ca`.
@Suite(.serialized) struct TLSShippingTests {
    /// A self-signed certificate for 127.0.0.1, made by the openssl command (`.ci/install-deps` installs it).
    private func makeCertificate(in deployment: Deployment) async throws {
        let openssl = try await ChildProcess.capture([
            "/usr/bin/env", "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
            "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", deployment.root + "/server.key",
            "-out", deployment.root + "/server.pem",
        ])
        try #require(openssl.status == 0, "openssl could not make a certificate: \(openssl.errors)")
    }

    @Test func aStagingServerShipsFromAnHTTPSPrimaryItTrustsThroughItsCA() async throws {
        let primary = try await Deployment.demo(people: 60)
        try await makeCertificate(in: primary)
        let standby = try primary.stagingCopy()
        try FileManager.default.copyItem(atPath: primary.root + "/server.pem", toPath: standby.root + "/ca.pem")
        try primary.write(
            primary.read("tandem.yaml") + "  tls: { certificate: ./server.pem, key: ./server.key }\n", to: "tandem.yaml"
        )
        try standby.write(standby.read("tandem.yaml") + "  tls: { ca: ./ca.pem }\n", to: "tandem.yaml")

        let active = try await ServerProcess(config: primary.config, label: "tls")
        #expect(active.url.hasPrefix("https://127.0.0.1:"))
        let staging = try await ServerProcess(
            config: standby.config, arguments: ["--role", "staging", "--primary", active.url], label: "staging")
        let expectedSeq = try #require(primary.frames().last).header.lastSeq
        try await eventually("the staging server has the journal over TLS") {
            let status = try await HTTP.status(staging, token: primary.token)
            return (status["lastSeq"] as? Int) == Int(expectedSeq) && (status["lagSeq"] as? Int) == 0
        }
        #expect(try standby.frames() == primary.frames())

        // Without the CA, the primary's certificate is not trusted and nothing is shipped.
        let untrusting = try primary.stagingCopy(label: "untrusting")
        try untrusting.write(
            untrusting.read("tandem.yaml").replacingOccurrences(
                of: "  tls: { certificate: ./server.pem, key: ./server.key }\n", with: ""), to: "tandem.yaml")
        let refused = try await ServerProcess(
            config: untrusting.config, arguments: ["--role", "staging", "--primary", active.url], label: "untrusting")
        try await eventually("the untrusting staging server reports the failure") {
            let shipping = try await HTTP.status(refused, token: primary.token)["shipping"] as? [String: Any]
            return (shipping?["lastError"] as? String)?.contains("unreachable") == true
        }
        #expect((try await HTTP.status(refused, token: primary.token))["lastSeq"] as? Int == 0)
    }
}
