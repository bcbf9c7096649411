import ConnectorKit
import Testing

@testable import SCIMConnector

/// Tandem's own SCIM logic without a server: settings, watermarks, retry timing, PATCH operations, mapping.
@Suite struct SCIMUnitTests {
    static func settings(_ values: [String: ConfigurationValue], token: String? = "t0ken") throws -> SCIMConnector {
        try SCIMConnector(
            configuration: ConnectorConfiguration(
                name: "cloud", type: "scim", settings: values,
                lines: ["url": 7, "timeout": 9].filter { values[$0.key] != nil },
                environment: { $0 == "TOKEN" ? token : nil }))
    }

    @Test(
        arguments: [
            (["tokenEnv": "TOKEN"], "connectors.cloud.url: required setting is missing"),
            (
                ["url": "ftp://x", "tokenEnv": "TOKEN"],
                "connectors.cloud.url (line 7): expected an http:// or https:// URL such as https://scim.example.net/v2"
            ),
            (
                ["url": "https://x/v2"],
                "connectors.cloud.tokenEnv: a bearer token is required: set tokenEnv or tokenFile"
            ),
            (
                ["url": "https://x/v2", "token": "abc"],
                "connectors.cloud.token: secrets are never written in the configuration; use tokenEnv or tokenFile"
            ),
            (
                ["url": "https://x/v2", "tokenEnv": "TOKEN", "timeout": "soon"],
                "connectors.cloud.timeout (line 9): expected a duration such as 500ms, 30s, 15m, 24h or 7d, found 'soon'"
            ),
            (
                ["url": "https://x/v2", "tokenEnv": "TOKEN", "patch": "sometimes"],
                "connectors.cloud.patch: expected auto or never, found 'sometimes'"
            ),
        ] as [([String: ConfigurationValue], String)])
    func badSettingsNameTheKey(settings: [String: ConfigurationValue], message: String) {
        #expect {
            _ = try Self.settings(settings)
        } throws: { error in
            (error as? ConnectorError)?.code == .invalidConfiguration && (error as? ConnectorError)?.message == message
        }
    }

    @Test func unknownSettingsAreRefused() {
        #expect(throws: ConnectorError.self) {
            _ = try Self.settings(["url": "https://x/v2", "tokenEnv": "TOKEN", "pagesize": 10])
        }
    }

    @Test func tokenIsNeverPrinted() throws {
        let connector = try Self.settings(["url": "https://x/v2/", "tokenEnv": "TOKEN"])
        #expect(connector.settings.baseURL == "https://x/v2")
        #expect("\(connector.settings.token)" == "<redacted>")
        #expect(!String(reflecting: connector.settings).contains("t0ken"))
    }

    @Test func durations() {
        #expect(SCIMConnectorSettings.parseDuration("500ms") == .milliseconds(500))
        #expect(SCIMConnectorSettings.parseDuration("30s") == .seconds(30))
        #expect(SCIMConnectorSettings.parseDuration("15m") == .seconds(900))
        #expect(SCIMConnectorSettings.parseDuration("24h") == .seconds(86_400))
        #expect(SCIMConnectorSettings.parseDuration("7d") == .seconds(604_800))
        #expect(SCIMConnectorSettings.parseDuration("0") == .zero)
        #expect(SCIMConnectorSettings.parseDuration("-1s") == nil)
        #expect(SCIMConnectorSettings.parseDuration("1w") == nil)
    }

    @Test func watermarksRoundTrip() {
        let full = SCIMWatermark(lastModified: 1_795_623_864_883_828, listed: 1_795_624_000_000_000)
        #expect(
            full.watermark.value
                == "scim1;lastModified=2026-11-25T16:24:24.883828Z;listed=2026-11-25T16:26:40Z")
        #expect(SCIMWatermark(full.watermark) == full)
        let empty = SCIMWatermark(lastModified: nil, listed: 0)
        #expect(SCIMWatermark(empty.watermark) == empty)
        #expect(SCIMWatermark(Watermark("ldap-cookie")) == nil)
    }

    @Test func backoffDoublesUpToTheLimitAndHonoursRetryAfter() {
        let policy = RetryPolicy(attempts: 5, baseDelay: .milliseconds(100), maxDelay: .milliseconds(300))
        #expect(policy.delay(after: 1, retryAfter: nil, jitter: 1) == .milliseconds(100))
        #expect(policy.delay(after: 2, retryAfter: nil, jitter: 1) == .milliseconds(200))
        #expect(policy.delay(after: 3, retryAfter: nil, jitter: 1) == .milliseconds(300))
        #expect(policy.delay(after: 3, retryAfter: nil, jitter: 0) == .milliseconds(150))
        #expect(policy.delay(after: 1, retryAfter: .milliseconds(250), jitter: 0) == .milliseconds(250))
        #expect(policy.delay(after: 1, retryAfter: .seconds(1), jitter: 0) == nil, "longer than maxDelay")
        #expect(policy.delay(after: 5, retryAfter: nil, jitter: 0) == nil, "no attempt left")
    }

    @Test func retryAfterIsSecondsOrAnHTTPDate() {
        let now: Int64 = 784_111_777  // Sun, 06 Nov 1994 08:49:37 GMT
        #expect(RetryPolicy.parseRetryAfter("120", now: now) == .seconds(120))
        #expect(RetryPolicy.parseRetryAfter("Sun, 06 Nov 1994 08:50:07 GMT", now: now) == .seconds(30))
        #expect(RetryPolicy.parseRetryAfter("Sun, 06 Nov 1994 08:00:00 GMT", now: now) == .zero)
        #expect(RetryPolicy.parseRetryAfter("soon", now: now) == nil)
    }

    static let userCodec = ResourceCodec(
        mapping: ResourceMapping(SCIMSchema.builtin.resourceType("User")!, schema: .builtin))

    @Test func patchOperationsAreValueLevel() throws {
        let operations = try PatchOperations(codec: Self.userCodec).operations(
            for: [
                .add("emails", [.string("a@x")]), .remove("emails", [.string("say \"hi\"\\")]),
                .replace("name.givenName", [.string("Ada")]), .replace("title", []),
                .replace("manager", [.reference("m1")]), .replace("active", [.boolean(false)]),
            ], anchor: "u1")
        let rendered = operations.map { String(decoding: $0.encoded(), as: UTF8.self) }
        #expect(
            rendered == [
                #"{"op":"add","path":"emails","value":[{"value":"a@x"}]}"#,
                #"{"op":"remove","path":"emails[value eq \"say \\\"hi\\\"\\\\\"]"}"#,
                #"{"op":"replace","path":"name.givenName","value":"Ada"}"#,
                #"{"op":"remove","path":"title"}"#,
                #"{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":"m1"}}"#,
                #"{"op":"replace","path":"active","value":false}"#,
            ])
    }

    @Test func writingUnknownOrReadOnlyAttributesFailsThatObject() {
        #expect {
            _ = try PatchOperations(codec: Self.userCodec).operations(
                for: [.replace("shoeSize", [.integer(9)])], anchor: "u1")
        } throws: { error in
            (error as? ConnectorError).map {
                $0.code == .schema && $0.message == "SCIM User has no attribute 'shoeSize'"
            }
                ?? false
        }
        #expect {
            _ = try PatchOperations(codec: Self.userCodec).operations(
                for: [.add("groups", [.reference("g")])], anchor: "u1")
        } throws: { error in
            (error as? ConnectorError)?.message == "SCIM User attribute 'groups' is read-only"
        }
    }

    @Test func resourcesFlattenAndRebuild() throws {
        let object = ConnectorObject(
            anchor: "", objectType: "User",
            attributes: [
                "userName": [.string("ada")], "name.givenName": [.string("Ada")], "active": [.boolean(true)],
                "emails": [.string("a@x"), .string("b@x")], "department": [.string("R&D")],
                "manager": [.reference("m1")],
            ])
        let resource = try Self.userCodec.resource(for: object)
        #expect(resource["schemas"] == .array([.string(SCIMSchema.coreUser), .string(SCIMSchema.enterpriseUser)]))
        #expect(resource[SCIMSchema.enterpriseUser]?["manager"] == .object(["value": "m1"]))
        var returned = resource
        returned.setMember("id", "u1")
        returned.setMember("meta", .object(["version": "W/\"3\""]))
        let imported = try #require(Self.userCodec.object(from: returned))
        #expect(imported.anchor == "u1")
        #expect(imported.attributes == object.attributes)
    }
}
