import Foundation
import TandemEngine
import Testing

@testable import TandemServer

/// The bearer token: compared in full, read by reference, never printed.
@Suite struct BearerTokenTests {
    @Test func onlyTheExactTokenMatches() {
        let token = BearerToken("c0rrect-horse")
        #expect(token.matches(authorization: "Bearer c0rrect-horse"))
        #expect(token.matches(authorization: "bearer c0rrect-horse"))
        for header in [
            nil, "", "Bearer", "Bearer ", "Bearer c0rrect-hors", "Bearer c0rrect-horsee", "Bearer C0RRECT-HORSE",
            "Basic c0rrect-horse", "c0rrect-horse", "Bearer  c0rrect-horse",
        ] {
            #expect(!token.matches(authorization: header), "\(header ?? "nil")")
        }
    }

    @Test func theTokenIsNeverPrinted() {
        let token = BearerToken("c0rrect-horse")
        #expect("\(token)" == "<redacted token>")
        #expect(!String(reflecting: token).contains("c0rrect"))
    }

    @Test func theTokenIsReadFromAFileOrTheEnvironment() throws {
        let path = FileManager.default.temporaryDirectory.path + "/tandem-token-\(UUID().uuidString)"
        try "  from-a-file  \nsecond line\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try BearerToken.resolve(.file(path)).matches(authorization: "Bearer from-a-file"))
        #expect(
            try BearerToken.resolve(.environment("PATH")).matches(
                authorization: "Bearer \(ProcessInfo.processInfo.environment["PATH"]!)"))

        #expect {
            try BearerToken.resolve(nil)
        } throws: {
            ($0 as? ServerError)?.message
                == "the server needs a bearer token: set server.tokenFile or server.tokenEnv in the configuration"
        }
        #expect {
            try BearerToken.resolve(.environment("TANDEM_SURELY_UNSET_VARIABLE"))
        } throws: {
            ($0 as? ServerError)?.message
                == "server.tokenEnv: environment variable TANDEM_SURELY_UNSET_VARIABLE is not set"
        }
        #expect {
            try BearerToken.resolve(.file(path + ".missing"))
        } throws: {
            ($0 as? ServerError)?.message == "server.tokenFile: cannot read \(path).missing"
        }
    }

    @Test func backoffDoublesToItsCapAndResets() {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(1))
        let delays = (0..<6).map { _ in backoff.next() }
        let bases: [Duration] = [
            .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1),
        ]
        for (delay, base) in zip(delays, bases) {
            #expect(delay >= base && delay < base * 1.2)
        }
        backoff.reset()
        #expect(backoff.next() < .milliseconds(120))
    }
}
