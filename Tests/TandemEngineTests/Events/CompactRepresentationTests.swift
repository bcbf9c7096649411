import ConnectorKit
import TandemJournal
import Testing

@testable import TandemEngine

/// The in-memory sizes that the engine's memory per object depends on (BENCHMARKS.md, "Engine benchmarks"),
/// and the sharing that keeps them small without changing what is encoded or digested.
@Suite struct CompactRepresentationTests {
    @Test func aMetaverseValueHoldsItsContributorByReference() {
        // values, one reference to the contributor's record, the AuthoritativeNull flag.
        #expect(MemoryLayout<MetaverseValue>.stride <= 24)
        #expect(MemoryLayout<Contributor>.size == MemoryLayout<Int>.size)
    }

    @Test func aSyncDecisionIsNoLargerThanASetAttribute() {
        // MetaverseID, attribute name, values, contributor, and the case tag.
        #expect(MemoryLayout<SyncDecision>.stride <= 48)
    }

    @Test func contributorsCompareAndHashByTheirFieldsOnly() {
        let a = Contributor(rule: "HR people in", connector: "hr", anchor: "E1", precedence: 10)
        let b = Contributor(rule: "HR people in", connector: "hr", anchor: "E1", precedence: 10)
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        var c = a
        c.precedence = 20
        #expect(c != a)
        #expect(a.precedence == 10, "changing a copy leaves the original as it was")
        c.precedence = 10
        #expect(c == a)
        c.anchor = "E2"
        #expect(c != a && c.anchor == "E2" && c.rule == "HR people in" && c.connector == "hr")
    }

    @Test func decodedDecisionsOfOneContributorRoundTripUnchanged() throws {
        let first = Contributor(rule: "HR people in", connector: "hr", anchor: "E1", precedence: 10)
        let second = Contributor(rule: "HR people in", connector: "hr", anchor: "E2", precedence: 10)
        let decisions: [SyncDecision] = [
            .setAttribute(MetaverseID(1), attribute: "givenName", values: [.string("Ada")], contributor: first),
            .setAttribute(MetaverseID(1), attribute: "surname", values: [.string("Lovelace")], contributor: first),
            .setAuthoritativeNull(MetaverseID(1), attribute: "mobile", contributor: first),
            .setAttribute(MetaverseID(2), attribute: "givenName", values: [.string("Alan")], contributor: second),
            .removeAttribute(MetaverseID(2), attribute: "mobile"),
            .setAttribute(MetaverseID(1), attribute: "title", values: [.string("Countess")], contributor: first),
        ]
        let event = EngineEvent.syncDecisions(SyncDecisions(runID: 3, decisions: decisions))
        let encoded = EngineEventCodec.encode(event, timeMicroseconds: 0)
        let decoded = try EngineEventCodec.decode(StoredEvent(seq: 1, epoch: 1, event: encoded))
        #expect(decoded == event)
        // Encoding again gives the same bytes: sharing records changes nothing that is journaled.
        #expect(try EngineEventCodec.encode(#require(decoded), timeMicroseconds: 0).payload == encoded.payload)
    }
}
