import ConnectorKit
import Testing

@testable import TandemEngine

/// The order of one export run: adds before the exports that reference them, cycles broken by one add.
@Suite struct ExportOrderTests {
    static func add(_ id: UInt64, references: [UInt64] = []) -> PendingExport {
        PendingExport(
            anchor: .provisional(connector: "directory", id: MetaverseID(id)), objectType: "person",
            operation: .add(
                distinguishedName: "cn=\(id)",
                attributes: references.isEmpty
                    ? [:]
                    : [
                        "member": references.map {
                            .reference(.provisional(connector: "directory", id: MetaverseID($0)))
                        }
                    ]
            ),
            metaverseID: MetaverseID(id))
    }

    /// Every export handed out, round by round, each round settled before the next is asked for.
    static func rounds(_ exports: [PendingExport]) -> [[UInt64]] {
        var order = ExportOrder(exports.sorted { $0.anchor < $1.anchor })
        var rounds: [[UInt64]] = []
        while let round = order.next(upTo: .max) {
            rounds.append(round.map { $0.metaverseID!.rawValue })
            for export in round { order.settle(export.anchor) }
        }
        return rounds
    }

    @Test func referencesToAddsOfTheRunWaitForThem() {
        // 5 names 1 and 2 (a group); 2 names 1 (a manager); 3 and 4 name nothing.
        let rounds = Self.rounds([
            Self.add(5, references: [1, 2]), Self.add(2, references: [1]), Self.add(1), Self.add(3), Self.add(4),
        ])
        #expect(rounds == [[1, 3, 4], [2], [5]])
    }

    @Test func aCycleIsBrokenByOneAddThatOthersWaitOn() {
        // 1 ⇄ 2, and 3 waits on the cycle: 1 goes alone first, then 2, then 3.
        let rounds = Self.rounds([
            Self.add(1, references: [2]), Self.add(2, references: [1]), Self.add(3, references: [2]),
        ])
        #expect(rounds == [[1], [2], [3]])
    }

    @Test func aRoundIsHandedOutInPagesBeforeTheNextBegins() {
        // 1, 2 and 3 name nothing; 4 names 1, so it waits for the next round even once 1 is settled.
        var order = ExportOrder(
            [Self.add(1), Self.add(2), Self.add(3), Self.add(4, references: [1])].sorted { $0.anchor < $1.anchor })
        var pages: [[UInt64]] = []
        while let page = order.next(upTo: 2) {
            pages.append(page.map { $0.metaverseID!.rawValue })
            for export in page { order.settle(export.anchor) }
        }
        #expect(pages == [[1, 2], [3], [4]])
    }

    @Test func aFollowUpWaitsForTheAddsItReferences() throws {
        var order = ExportOrder([Self.add(1, references: [2]), Self.add(2, references: [1])])
        let firstRound = order.next(upTo: .max)
        let first = try #require(firstRound)
        #expect(first.map(\.anchor) == [Anchor.provisional(connector: "directory", id: MetaverseID(1))])
        order.settle(first[0].anchor)
        let followUp = PendingExport(
            anchor: "uuid-1", objectType: "person",
            operation: .update(["member": [.reference(.provisional(connector: "directory", id: MetaverseID(2)))]]),
            metaverseID: MetaverseID(1))
        order.append(followUp)
        let secondRound = order.next(upTo: .max)
        let second = try #require(secondRound)
        #expect(second.map(\.metaverseID) == [MetaverseID(2)])
        order.settle(second[0].anchor)
        let third = order.next(upTo: .max)
        #expect(third?.map(\.anchor) == ["uuid-1"])
        let end = order.next(upTo: .max)
        #expect(end == nil)
    }

    @Test func aProvisionalAnchorNamesItsMetaverseObject() {
        let anchor = Anchor.provisional(connector: "dir:ectory", id: MetaverseID(42))
        #expect(anchor.isProvisional)
        #expect(anchor.provisionalMetaverseID == MetaverseID(42))
        #expect(Anchor("uuid-42").provisionalMetaverseID == nil)
    }
}
