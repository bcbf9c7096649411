import Testing

@testable import TandemEngine

/// `checkpoints:` and `retention:` in tandem.yaml.
@Suite struct TimeTravelConfigurationTests {
    static func parse(_ extra: String) throws -> Configuration {
        try ConfigurationLoader.parse(
            "connectors:\n  hr: { type: file, path: ./hr.csv, objectType: person, anchor: id }\n" + extra,
            baseDirectory: "/srv/tandem")
    }

    @Test func checkpointsAndRetentionAreRead() throws {
        let configuration = try Self.parse(
            "checkpoints: { every: 500 }\nretention: { maxAge: 30d, maxBytes: 1000000, restoreWindow: 7d }\n")
        #expect(configuration.checkpointInterval == 500)
        #expect(
            configuration.retention
                == RetentionPolicy(
                    maxAge: .seconds(30 * 86_400), maxBytes: 1_000_000, restoreWindow: .seconds(7 * 86_400)))
        let defaults = try Self.parse("")
        #expect(defaults.checkpointInterval == 10_000)
        #expect(defaults.retention == nil)
    }

    @Test(arguments: [
        (
            "checkpoints: { every: 1 }\n",
            "tandem.yaml: checkpoints.every (line 3): must be at least 2 events"
        ),
        (
            "retention: { maxAge: 1d, restoreWindow: 7d }\n",
            "tandem.yaml: retention (line 3): maxAge must be at least restoreWindow (604800.0 seconds)"
        ),
        (
            "retention: { keep: 1d }\n",
            "tandem.yaml: retention.keep (line 3): unknown key; expected one of maxAge, maxBytes, restoreWindow"
        ),
    ])
    func mistakesAreNamed(yaml: String, message: String) throws {
        let error = #expect(throws: EngineError.self) { try Self.parse(yaml) }
        #expect(error?.message == message)
    }
}
