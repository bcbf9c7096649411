import ConnectorKit
import ConnectorKitTesting
import Foundation
import Logging
import Testing

@testable import TandemEngine
@testable import TandemJournal

/// A sync run applies its decisions once, to a working state the engine adopts after journaling
/// them: when the journal refuses the decisions, the engine's state must still be the fold of the
/// journal (nothing of the run if nothing was appended, the appended part if some was).
@Suite struct SyncJournalFailureTests {
    /// An engine with HR and directory in memory, on a journal whose syncs can be made to fail.
    struct Subject {
        let directory: String
        let fileSystem = FailingJournalFileSystem()
        let journal: Journal
        let engine: SyncEngine

        init(people: Int) throws {
            directory = FileManager.default.temporaryDirectory.path + "/tandem-syncfail-\(UUID().uuidString.prefix(8))"
            var options = JournalOptions()
            options.logger.logLevel = .critical
            journal = try Journal.open(directory: directory + "/journal", options: options, fileSystem: fileSystem)
            let configuration = scenarioConfiguration(
                connectors: ["hr", "directory"], inbound: [SyncScenarioTests.hrIn],
                outbound: [SyncScenarioTests.directoryOut])(directory)
            var logger = engineLogger
            logger.logLevel = .critical
            engine = try SyncEngine(
                configuration: configuration, journal: journal,
                connectors: [
                    "hr": SyncScenarioTests.hr((1...people).map { SyncScenarioTests.employee($0) }),
                    "directory": SyncScenarioTests.directory(),
                ],
                compile: ExpressionLanguage.flowCompiler, logger: logger)
        }

        /// The fold of what the journal acknowledged (a refused append may have left bytes on disk).
        func replayed() throws -> EngineState {
            try EngineReplay.replay(directory: directory + "/journal", through: journal.lastSeq)
        }

        func close() async {
            await journal.close()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    @Test func aRefusedFirstAppendLeavesTheStateAsItWas() async throws {
        let subject = try Subject(people: 50)
        try await subject.engine.run(.fullImport, connector: "hr")
        // The run's start is journaled (one sync), then its decisions are refused.
        subject.fileSystem.failSyncs(after: 1)
        let before = await subject.engine.state
        await #expect(throws: JournalError.self) { try await subject.engine.run(.fullSync, connector: "hr") }
        let after = await subject.engine.state
        #expect(after.metaverse.isEmpty)
        #expect(after.stateDigest == before.stateDigest)
        #expect(after.lastSeq == before.lastSeq + 1)  // the run's start
        #expect(after.lastSeq == subject.journal.lastSeq)
        #expect(try subject.replayed().stateDigest == after.stateDigest)
        await subject.close()
    }

    @Test func aRefusedLaterAppendKeepsWhatWasJournaled() async throws {
        let subject = try Subject(people: 300)
        try await subject.engine.run(.fullImport, connector: "hr")
        // One decision event per append; the run's start and two decision events are acknowledged.
        await subject.engine.setDecisionBytesPerAppend(1)
        subject.fileSystem.failSyncs(after: 3)
        let before = await subject.engine.state
        await #expect(throws: JournalError.self) { try await subject.engine.run(.fullSync, connector: "hr") }
        let after = await subject.engine.state
        #expect(after.lastSeq == before.lastSeq + 3)
        #expect(after.lastSeq == subject.journal.lastSeq)
        // The first 2,000 decisions project everyone and flow some people's attributes, not all.
        #expect(after.metaverse.count == 300)
        let flowed = after.metaverse.values.filter { !$0.values("displayName").isEmpty }.count
        #expect(flowed > 0 && flowed < 300)
        #expect(try subject.replayed().stateDigest == after.stateDigest)
        await subject.close()
    }

    @Test func adoptedStateEqualsTheJournalsFoldWhenAppendsAreGrouped() async throws {
        let subject = try Subject(people: 300)
        await subject.engine.setDecisionBytesPerAppend(20_000)
        try await subject.engine.cycle(initial: true)
        try await subject.engine.cycle(initial: false)
        let live = await subject.engine.state
        #expect(live.metaverse.count == 300)
        #expect(live.lastSeq == subject.journal.lastSeq)
        #expect(try subject.replayed().stateDigest == live.stateDigest)
        await subject.close()
    }
}
