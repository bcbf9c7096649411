import ConnectorKit
import Testing

@testable import TandemEngine

/// `ConnectorSpaceLinks` replaced a `Set` of links: whatever the edits, it must hold what the set would,
/// iterate in ascending order (the state digest and the outbound rules rely on it) and compare by content.
@Suite struct ConnectorSpaceLinksTests {
    private static let pool: [ConnectorSpaceLink] = [
        ConnectorSpaceLink(connector: "hr", anchor: "E1"),
        ConnectorSpaceLink(connector: "hr", anchor: "E10"),
        ConnectorSpaceLink(connector: "hr", anchor: "E2"),
        ConnectorSpaceLink(connector: "directory", anchor: "cn=e1,ou=people,dc=example,dc=org"),
        ConnectorSpaceLink(connector: "crm", anchor: "é-ünïcode-anchor-longer-than-15"),
        ConnectorSpaceLink(connector: "", anchor: ""),
    ]

    /// Random inserts and removals applied to both.
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func editsHoldWhatASetHolds(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        var links = ConnectorSpaceLinks()
        var model = Set<ConnectorSpaceLink>()
        for step in 0..<2_000 {
            let link = Self.pool.randomElement(using: &random)!
            if Bool.random(using: &random) {
                let inserted = links.insert(link)
                #expect(inserted.inserted == model.insert(link).inserted, "insert at step \(step)")
                #expect(inserted.memberAfterInsert == link)
            } else {
                #expect(links.remove(link) == model.remove(link), "remove at step \(step)")
            }
            #expect(Array(links) == model.sorted(), "after step \(step)")
            #expect(links.count == model.count)
            #expect(links.isEmpty == model.isEmpty)
            for candidate in Self.pool { #expect(links.contains(candidate) == model.contains(candidate)) }
        }
    }

    /// Links added in any order are equal and hash alike, as sets of them would.
    @Test func equalityAndHashingIgnoreInsertionOrder() {
        var random = SeededRandom(seed: 7)
        let forward = ConnectorSpaceLinks(Self.pool)
        for _ in 0..<20 {
            let shuffled = ConnectorSpaceLinks(Self.pool.shuffled(using: &random) + Self.pool.prefix(2))
            #expect(shuffled == forward)
            #expect(shuffled.hashValue == forward.hashValue)
        }
        var one: ConnectorSpaceLinks = [Self.pool[0], Self.pool[1]]
        one.remove(Self.pool[1])
        #expect(one == [Self.pool[0]])
        #expect(one.hashValue == ConnectorSpaceLinks([Self.pool[0]]).hashValue)
        one.remove(Self.pool[0])
        #expect(one == ConnectorSpaceLinks())
        #expect(one != [Self.pool[0]])
    }

    /// The links take one reference in a metaverse object, as the set did, so that the object (and every
    /// bucket of the metaverse's dictionary) is no larger than before.
    @Test func linksTakeOneReference() {
        #expect(MemoryLayout<ConnectorSpaceLinks>.size == MemoryLayout<Set<ConnectorSpaceLink>>.size)
    }
}
