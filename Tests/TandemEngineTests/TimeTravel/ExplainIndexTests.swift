import ConnectorKit
import Foundation
import TandemJournal
import Testing

@testable import TandemEngine

/// `explain` from the object index gives exactly what a full replay gives — for every object, at
/// many points in time, across restores, with the index covering all of the journal or only part
/// of it — and falls back to the replay when the index cannot answer.
@Suite struct ExplainIndexTests {
    /// An error, compared by its text.
    struct Described: Error, Equatable {
        var text: String
    }

    /// The explanation (or the error) of `subject` at `seq`, by full replay from seq 1.
    static func replayed(
        _ workload: TimeTravelWorkload, _ subject: Explainer.Subject, _ attribute: String?, _ seq: UInt64
    ) -> Result<Explanation, Described> {
        Result {
            try Explainer.explain(
                directory: workload.journalDirectory, checkpoints: nil, subject: subject, attribute: attribute,
                asOf: seq, configuration: workload.harness.configuration)
        }.mapError { Described(text: "\($0)") }
    }

    /// The same from the index; the index must be able to answer.
    static func indexed(
        _ workload: TimeTravelWorkload, _ subject: Explainer.Subject, _ attribute: String?, _ seq: UInt64
    ) throws -> Result<Explanation, Described> {
        let reader = try JournalReader(directory: workload.journalDirectory)
        let path = workload.harness.checkpoints.store.directory + "/" + ObjectHistoryIndex.fileName
        do {
            let explanation = try Explainer.explainFromIndex(
                reader: reader, indexPath: path, subject: subject, attribute: attribute, asOf: seq,
                configuration: workload.harness.configuration)
            return .success(try #require(explanation, "the index could not answer"))
        } catch let error as EngineError {
            return .failure(Described(text: "\(error)"))
        }
    }

    static func compareEverything(_ workload: TimeTravelWorkload, seqs: [UInt64]) async throws {
        let state = await workload.harness.state
        let ids = (1..<state.nextMetaverseID).map { MetaverseID($0) }
        for seq in seqs {
            var subjects: [Explainer.Subject] = ids.map { .metaverse($0) }
            for n in 1..<workload.next {
                subjects.append(.connectorObject(connector: "hr", anchor: Anchor("E\(n)")))
                subjects.append(.connectorObject(connector: "directory", anchor: Anchor("e\(n)")))
            }
            for subject in subjects {
                for attribute in [nil, "title"] as [String?] {
                    let want = replayed(workload, subject, attribute, seq)
                    let got = try indexed(workload, subject, attribute, seq)
                    #expect(got == want, "\(subject) \(attribute ?? "*") at seq \(seq)")
                }
            }
        }
    }

    @Test(arguments: [51, 52] as [UInt64])
    func indexedExplainEqualsReplayAcrossRestores(seed: UInt64) async throws {
        var workload = try await TimeTravelWorkload(seed: seed, checkpointInterval: 8)
        for _ in 0..<6 { try await workload.step() }
        let harness = workload.harness
        let middle = await harness.state.lastSeq / 2
        _ = try await harness.engine.restore(to: middle, target: "seq \(middle)")
        for _ in 0..<4 { try await workload.step() }
        let lastSeq = await harness.state.lastSeq
        let index = try ObjectIndexFile.open(
            path: harness.checkpoints.store.directory + "/" + ObjectHistoryIndex.fileName)
        // The engine extended the index at its checkpoints; the events after the last one are a tail to scan.
        #expect(index.coveredSeq > 1 && index.coveredSeq < lastSeq)
        #expect(!index.sharedSeqs.isEmpty, "the restore is recorded")
        var random = SeededRandom(seed: seed)
        let seqs =
            [lastSeq, middle, index.coveredSeq] + (0..<3).map { _ in UInt64.random(in: 2...lastSeq, using: &random) }
        try await Self.compareEverything(workload, seqs: seqs)

        // Extended to the end: no tail; still the same answers.
        try ObjectHistoryIndex.update(
            directory: harness.checkpoints.store.directory,
            reader: JournalReader(directory: workload.journalDirectory))
        #expect(
            try ObjectIndexFile.open(path: harness.checkpoints.store.directory + "/objects.idx").coveredSeq == lastSeq)
        try await Self.compareEverything(workload, seqs: [lastSeq, middle])
        await harness.close()
    }

    @Test func aMissingDamagedOrForeignIndexFallsBackToReplay() async throws {
        var workload = try await TimeTravelWorkload(seed: 61, checkpointInterval: 8)
        for _ in 0..<3 { try await workload.step() }
        let harness = workload.harness
        let lastSeq = await harness.state.lastSeq
        let path = harness.checkpoints.store.directory + "/" + ObjectHistoryIndex.fileName
        let reader = try JournalReader(directory: workload.journalDirectory)
        let subject = Explainer.Subject.metaverse(MetaverseID(1))
        let want = Self.replayed(workload, subject, nil, lastSeq)
        #expect(try Self.indexed(workload, subject, nil, lastSeq) == want)

        // Another journal's index: not used, and `explain` still answers by replay.
        let sound = try ObjectIndexFile.open(path: path)
        try ObjectIndexFile.write(
            path: path, journalID: UUID(), coveredSeq: sound.coveredSeq, coveredEpoch: sound.coveredEpoch,
            sharedSeqs: sound.sharedSeqs, entries: try sound.allEntries())
        #expect(
            try Explainer.explainFromIndex(
                reader: reader, indexPath: path, subject: subject, attribute: nil, asOf: nil,
                configuration: harness.configuration) == nil)
        let viaFallback = Result {
            try Explainer.explain(
                directory: workload.journalDirectory, checkpoints: harness.checkpoints, subject: subject,
                configuration: harness.configuration)
        }.mapError { Described(text: "\($0)") }
        #expect(viaFallback == want)

        // A damaged block: `explain` falls back rather than fail or half-trust it.
        try ObjectHistoryIndex.update(directory: harness.checkpoints.store.directory, reader: reader)
        var bytes = [UInt8](FileManager.default.contents(atPath: path)!)
        bytes[70] ^= 0x20
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        let afterDamage = Result {
            try Explainer.explain(
                directory: workload.journalDirectory, checkpoints: harness.checkpoints, subject: subject,
                configuration: harness.configuration)
        }.mapError { Described(text: "\($0)") }
        #expect(afterDamage == want)
        // The next extension notices and rebuilds it.
        try await workload.step()
        try ObjectHistoryIndex.update(
            directory: harness.checkpoints.store.directory, reader: JournalReader(directory: workload.journalDirectory))
        let rebuilt = try ObjectIndexFile.open(path: path)
        #expect(try rebuilt.allEntries().count > 0)
        #expect(try Self.indexed(workload, subject, nil, lastSeq) == want)
        await harness.close()
    }
}
