import Foundation
import Logging
import TandemJournal
import Testing

@testable import TandemEngine

/// Opening an engine on a staging server's already-applied state (a promotion) replays only the
/// journal after it, and ends in the same state as a replay of the whole journal.
@Suite struct ResumedStateTests {
    private static func journal() throws -> (Journal, String) {
        let directory = FileManager.default.temporaryDirectory.path + "/tandem-resume-\(UUID().uuidString.prefix(8))"
        var options = JournalOptions()
        options.logger.logLevel = .warning
        return (try Journal.open(directory: directory, options: options), directory)
    }

    private static func open(_ journal: Journal, resuming: (EngineState, UInt64)? = nil) throws -> SyncEngine {
        let configuration = Configuration(
            baseDirectory: journal.directory, dataDirectory: journal.directory, connectors: [], metaverse: [:],
            inboundRules: [], outboundRules: [])
        var logger = Logger(label: "tandem.test.engine")
        logger.logLevel = .error
        guard let (state, seq) = resuming else {
            return try SyncEngine.open(configuration: configuration, journal: journal, connectors: [:], logger: logger)
        }
        return try SyncEngine.open(
            configuration: configuration, journal: journal, connectors: [:], resuming: state, appliedThrough: seq,
            logger: logger)
    }

    @Test(arguments: [0, 1, 17, 40])
    func theResumedEngineReplaysOnlyWhatFollowsAndMatchesAFullReplay(appliedThrough seq: Int) async throws {
        let (journal, directory) = try Self.journal()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for n in 0..<40 {
            try await journal.append(
                EngineEventCodec.encode(.restorePoint(name: "point-\(n)"), timeMicroseconds: Int64(1_000 + n)))
        }
        let applied = try EngineReplay.replay(directory: directory, through: UInt64(seq))
        let resumed = try Self.open(journal, resuming: (applied, UInt64(seq)))
        let full = try EngineReplay.replay(directory: directory)
        #expect(await resumed.state.stateDigest == full.stateDigest)
        #expect(await resumed.state.restorePoints.map(\.name) == (0..<40).map { "point-\($0)" })
        await journal.close()
    }

    @Test func theEventsBeforeTheResumedSeqAreNotReplayedAgain() async throws {
        let (journal, directory) = try Self.journal()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for n in 0..<10 {
            try await journal.append(
                EngineEventCodec.encode(.restorePoint(name: "point-\(n)"), timeMicroseconds: Int64(1_000 + n)))
        }
        // A state that claims to hold seqs 1…6 but holds none of them: only 7…10 are applied on top.
        let resumed = try Self.open(journal, resuming: (EngineState(), 6))
        #expect(await resumed.state.restorePoints.map(\.name) == ["point-6", "point-7", "point-8", "point-9"])
        await journal.close()
    }
}
