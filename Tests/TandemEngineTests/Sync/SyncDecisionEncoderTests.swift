import ConnectorKit
import ConnectorKitTesting
import Foundation
import TandemJournal
import Testing

@testable import TandemEngine

/// Decisions encoded and appended on another thread while the run goes on (``SyncDecisionEncoder``) give
/// the same events, in the same order, and the same state as encoding them all after the run.
@Suite struct SyncDecisionEncoderTests {
    /// A journal in a directory of its own, and the events it holds.
    struct ScratchJournal {
        let directory = FileManager.default.temporaryDirectory.path + "/tandem-encoder-\(UUID().uuidString.prefix(8))"
        let journal: Journal

        init() throws { journal = try Journal.open(directory: directory) }

        func events() throws -> [StoredEvent] {
            let reader = try JournalReader(directory: directory)
            guard reader.lastSeq > 0 else { return [] }
            return try Array(reader.events(in: 1...reader.lastSeq))
        }

        func close() async {
            await journal.close()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// 300 people, most reporting to someone with a higher number (their references resolve late), a
    /// few out of scope: projections, joins, provisions, staged exports and re-flowed references.
    static func people() -> [ConnectorObject] {
        (1...300).map { n in
            var person = SyncScenarioTests.employee(n, status: n % 37 == 0 ? "terminated" : "active")
            if n < 300 { person.attributes["manager"] = [.reference(Anchor("E\(n + 1)"))] }
            return person
        }
    }

    static func imported() async throws -> (state: EngineState, rules: CompiledRules, harness: EngineHarness) {
        let harness = try await EngineHarness(
            configuration: scenarioConfiguration(
                connectors: ["hr", "directory"], inbound: [SyncScenarioTests.hrIn],
                outbound: [SyncScenarioTests.directoryOut]),
            connectors: ["hr": SyncScenarioTests.hr(people()), "directory": SyncScenarioTests.directory()])
        try await harness.run(.fullImport, "hr")
        let rules = try CompiledRules(harness.configuration, compile: ExpressionLanguage.flowCompiler)
        return (await harness.state, rules, harness)
    }

    @Test(arguments: [1, 7, 1_000])
    func pipelinedEncodingMatchesEncodingAfterTheRun(decisionsPerEvent: Int) async throws {
        let (imported, rules, harness) = try await Self.imported()

        var serial = Synchronizer(state: imported, rules: rules)
        try serial.synchronize(connector: "hr", full: true)
        let (serialState, decisions, _) = serial.finish()
        #expect(decisions.count > 1_000)

        let scratch = try ScratchJournal()
        let encoder = SyncDecisionEncoder(
            runID: 9, decisionsPerEvent: decisionsPerEvent, keepsEvents: true, journal: scratch.journal,
            bytesPerAppend: 4_096)
        var pipelined = Synchronizer(state: imported, rules: rules, encoder: encoder)
        try pipelined.synchronize(connector: "hr", full: true)
        pipelined.flushDecisions()
        let (pipelinedState, left, _) = pipelined.finish()
        let appended = await encoder.finish()

        #expect(left.isEmpty)
        #expect(pipelinedState.stateDigest == serialState.stateDigest)
        let expected = stride(from: 0, to: decisions.count, by: decisionsPerEvent).map { start in
            let group = Array(decisions[start..<min(start + decisionsPerEvent, decisions.count)])
            return EngineEventCodec.encode(
                .syncDecisions(SyncDecisions(runID: 9, decisions: group)), timeMicroseconds: 0)
        }
        #expect(appended.error == nil)
        #expect(appended.lastSeq == UInt64(expected.count))
        let journaled = try scratch.events()
        #expect(journaled.count == expected.count)
        #expect(journaled.map(\.event.payload) == expected.map(\.payload))
        #expect(journaled.map(\.event.type) == expected.map(\.type))
        #expect(appended.events.flatMap { Array($0.seqs) } == Array(1...UInt64(expected.count)))
        let kept = appended.events.flatMap(\.events).flatMap { event -> [SyncDecision] in
            guard case .syncDecisions(let batch) = event else { return [] }
            return batch.decisions
        }
        #expect(kept == decisions)
        await scratch.close()
        await harness.close()
    }

    @Test func withoutKeepingEventsOnlyTheJournalHoldsThem() async throws {
        let scratch = try ScratchJournal()
        let encoder = SyncDecisionEncoder(
            runID: 1, decisionsPerEvent: 2, keepsEvents: false, journal: scratch.journal, bytesPerAppend: 1)
        encoder.submit([.markSynchronized(connector: "hr"), .markSynchronized(connector: "directory")])
        encoder.submit([])
        encoder.submit([.markSynchronized(connector: "hr")])
        let appended = await encoder.finish()
        #expect(appended.lastSeq == 2)
        #expect(appended.events.isEmpty)
        #expect(try scratch.events().count == 2)
        await scratch.close()
    }

    @Test func anAbandonedRunAppendsNothingMore() async throws {
        let scratch = try ScratchJournal()
        let encoder = SyncDecisionEncoder(
            runID: 1, decisionsPerEvent: 1, keepsEvents: true, journal: scratch.journal, bytesPerAppend: 1 << 20)
        encoder.submit([.markSynchronized(connector: "hr")])
        encoder.abandon()
        encoder.submit([.markSynchronized(connector: "directory")])
        let appended = await encoder.finish()
        #expect(appended.lastSeq == nil && appended.events.isEmpty && appended.error == nil)
        #expect(try scratch.events().isEmpty)
        await scratch.close()
    }

    /// The engine journals a full sync through the encoder: its events replay to the live state, and
    /// none holds more than `decisionsPerEvent` decisions.
    @Test func theEngineJournalsPipelinedDecisionsThatReplayToTheLiveState() async throws {
        let (_, _, harness) = try await Self.imported()
        let finished = try await harness.run(.fullSync, "hr")
        #expect(finished.status == .success)
        #expect(finished.statistics.projections > 250)
        let limit = await harness.engine.decisionsPerEvent
        let reader = try JournalReader(directory: harness.directory + "/journal")
        var largest = 0
        for stored in try reader.events(in: 1...reader.lastSeq) {
            guard case .syncDecisions(let batch) = try EngineEventCodec.decode(stored) else { continue }
            largest = max(largest, batch.decisions.count)
        }
        #expect(largest == limit)
        #expect(try harness.replayedDigest() == (await harness.state).stateDigest)
        await harness.close()
    }
}
