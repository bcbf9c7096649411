import ConnectorKit
import Foundation
import TandemJournal
import Testing

@testable import TandemEngine

@Suite struct EngineEventCodecTests {
    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func everyEventRoundTripsThroughItsBinaryEncoding(seed: UInt64) throws {
        var generator = RandomEngineEvents(seed: seed)
        var kinds = Set<EngineEvent.Kind>()
        for seq in 1...400 as ClosedRange<UInt64> {
            let event = try generator.next()
            kinds.insert(event.kind)
            let encoded = EngineEventCodec.encode(event, timeMicroseconds: 42)
            #expect(encoded.type == event.kind.rawValue)
            let decoded = try EngineEventCodec.decode(StoredEvent(seq: seq, epoch: 1, event: encoded))
            #expect(decoded == event, "seed \(seed), event \(seq)")
        }
        #expect(kinds.count >= 8, "the generator should cover most kinds: \(kinds)")
    }

    @Test func truncatedOrGarbledPayloadsAreRejectedWithTheirSeq() throws {
        var generator = RandomEngineEvents(seed: 11)
        for seq in 1...200 as ClosedRange<UInt64> {
            let encoded = EngineEventCodec.encode(try generator.next(), timeMicroseconds: 0)
            for cut in [1, encoded.payload.count / 2, encoded.payload.count - 1]
            where cut < encoded.payload.count && cut > 0 {
                var truncated = encoded
                truncated.payload = Array(encoded.payload.prefix(cut))
                do {
                    _ = try EngineEventCodec.decode(StoredEvent(seq: seq, epoch: 1, event: truncated))
                    // A prefix may still decode only if it is itself a complete event; that cannot be shorter here.
                    Issue.record("seq \(seq): a payload cut at \(cut) of \(encoded.payload.count) decoded")
                } catch {
                    #expect(error.code == .malformedEvent)
                    #expect(error.seq == seq)
                }
            }
        }
    }

    @Test func anUnknownCodecVersionIsNamed() throws {
        var event = EngineEventCodec.encode(.restorePoint(name: "before"), timeMicroseconds: 0)
        event.payload[0] = 9
        let error = try #require(throws: EngineError.self) {
            try EngineEventCodec.decode(StoredEvent(seq: 7, epoch: 1, event: event))
        }
        #expect(error.description == "seq 7: restorePoint event uses codec version 9; this build reads version 1")
    }

    @Test func nonEngineEventTypesAreNotDecoded() throws {
        let foreign = JournalEvent(type: 0x7000, timeMicroseconds: 0, payload: [1, 2, 3])
        #expect(try EngineEventCodec.decode(StoredEvent(seq: 1, epoch: 1, event: foreign)) == nil)
    }
}

@Suite struct ReplayTests {
    /// The core promise: the state reached live equals the state replayed from the journal,
    /// and its digest ignores the journal position.
    @Test(arguments: [21, 22, 23] as [UInt64])
    func replayingTheJournalRebuildsTheLiveState(seed: UInt64) async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/tandem-replay-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var options = JournalOptions()
        options.segmentSizeBytes = 8192
        options.logger.logLevel = .warning
        let journal = try Journal.open(directory: directory, options: options)
        var generator = RandomEngineEvents(seed: seed)
        var digests: [UInt64: String] = [:]
        for _ in 0..<300 {
            let event = try generator.next()
            let seq = try await journal.append(
                EngineEventCodec.encode(event, timeMicroseconds: Int64(generator.state.lastSeq) * 1000))
            #expect(seq == generator.state.lastSeq)
            if seq % 50 == 0 { digests[seq] = generator.state.stateDigest }
        }
        await journal.close()
        let live = generator.state
        let replayed = try EngineReplay.replay(directory: directory)
        #expect(replayed.stateDigest == live.stateDigest)
        let sameSpaces = replayed.connectorSpaces == live.connectorSpaces
        let sameMetaverse = replayed.metaverse == live.metaverse
        let sameRuns = replayed.runs == live.runs
        #expect(sameSpaces && sameMetaverse && sameRuns)
        for (seq, digest) in digests {
            #expect(
                try EngineReplay.replay(directory: directory, through: seq).stateDigest == digest, "through seq \(seq)")
        }
    }

    @Test func theDigestIsIndependentOfInsertionOrder() throws {
        var a = EngineState()
        var b = EngineState()
        let objects = (1...20).map {
            ConnectorObject(
                anchor: Anchor("A\($0)"), objectType: "person",
                attributes: ["mail": [.string("u\($0)@x"), .string("alias\($0)@x")]])
        }
        try a.apply(
            .objectsImported(
                ObjectsImported(runID: 1, connector: "hr", changes: objects.map { .upsert(ImportedObject($0)) })),
            seq: 1,
            timeMicroseconds: 0)
        try b.apply(
            .objectsImported(
                ObjectsImported(
                    runID: 9, connector: "hr",
                    changes: objects.reversed().map {
                        var reordered = $0
                        reordered.attributes["mail"]!.reverse()
                        return .upsert(ImportedObject(reordered))
                    })), seq: 500, timeMicroseconds: 99)
        try b.apply(.epochStarted(epoch: 4), seq: 501, timeMicroseconds: 100)
        #expect(a.stateDigest == b.stateDigest)
        try b.apply(
            .objectsImported(ObjectsImported(runID: 9, connector: "hr", changes: [.delete(anchor: "A3")])), seq: 502,
            timeMicroseconds: 0)
        #expect(a.stateDigest != b.stateDigest)
    }

    @Test func anInconsistentEventStopsReplayNamingItsSeq() throws {
        var state = EngineState()
        let error = try #require(throws: EngineError.self) {
            try state.apply(
                .syncDecisions(
                    SyncDecisions(
                        runID: 1,
                        decisions: [.join(ConnectorSpaceLink(connector: "hr", anchor: "X"), to: MetaverseID(5))])),
                seq: 17, timeMicroseconds: 0)
        }
        #expect(error.code == .inconsistentJournal)
        #expect(error.description == "seq 17: sync decision refers to mv:5, which does not exist")
    }
}
