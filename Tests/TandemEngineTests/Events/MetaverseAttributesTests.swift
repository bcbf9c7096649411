import ConnectorKit
import Testing

@testable import TandemEngine

/// `MetaverseAttributes` holds a metaverse object's attributes in one buffer with a contributor per
/// attribute; whatever order the edits come in, it must hold what a dictionary would.
@Suite struct MetaverseAttributesTests {
    private static let hr = Contributor(rule: "hr-in", connector: "hr", anchor: "E1", precedence: 10)
    private static let crm = Contributor(rule: "crm-in", connector: "crm", anchor: "C1", precedence: 20)

    /// Random sets, replacements and removals, in random name order, applied to both.
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func editsInAnyOrderHoldWhatADictionaryHolds(seed: UInt64) {
        var events = RandomEngineEvents(seed: seed)
        let names = ["cn", "mail", "manager", "member", "sn", "title", "zone", "émoji", "Upper", ""]
        var packed = MetaverseAttributes()
        var dictionary: [String: MetaverseValue] = [:]
        for step in 0..<2_000 {
            let name = names.randomElement(using: &events.random)!
            let contributor = Bool.random(using: &events.random) ? Self.hr : Self.crm
            switch Int.random(in: 0..<4, using: &events.random) {
            case 0:
                packed.remove(name)
                dictionary[name] = nil
            case 1:
                packed.set(name, values: [], contributor: contributor, isAuthoritativeNull: true)
                dictionary[name] = MetaverseValue(values: [], contributor: contributor, isAuthoritativeNull: true)
            default:
                let values = (0..<Int.random(in: 0...3, using: &events.random)).map { _ in events.value() }
                packed.set(name, values: EncodedValues(values), contributor: contributor, isAuthoritativeNull: false)
                dictionary[name] = values.isEmpty ? nil : MetaverseValue(values: values, contributor: contributor)
            }
            #expect(packed.dictionary == dictionary, "after step \(step)")
            #expect(packed.count == dictionary.count)
            #expect(packed.keys == dictionary.keys.sorted())
            for name in names {
                #expect(packed[name] == dictionary[name], "attribute '\(name)' after step \(step)")
                #expect(
                    packed.values(of: name) == (dictionary[name].map { $0.isAuthoritativeNull ? [] : $0.values } ?? []))
                if let value = dictionary[name], !value.isAuthoritativeNull {
                    #expect(packed.holds(name, values: EncodedValues(value.values), contributor: value.contributor))
                    #expect(
                        !packed.holds(
                            name, values: EncodedValues(value.values + [.string("x")]), contributor: value.contributor))
                    let other = value.contributor == Self.hr ? Self.crm : Self.hr
                    #expect(!packed.holds(name, values: EncodedValues(value.values), contributor: other))
                }
                #expect(
                    packed.holdsAuthoritativeNull(name, contributor: Self.hr)
                        == (dictionary[name]
                            == MetaverseValue(values: [], contributor: Self.hr, isAuthoritativeNull: true)))
            }
            #expect(packed == MetaverseAttributes(dictionary), "edits leave the bytes a fresh build makes")
        }
    }

    @Test func equalityFollowsValuesAndContributors() {
        let a: MetaverseAttributes = ["cn": MetaverseValue(values: [.string("Ada")], contributor: Self.hr)]
        let b: MetaverseAttributes = [
            "cn": MetaverseValue(
                values: [.string("Ada")],
                contributor: Contributor(rule: "hr-in", connector: "hr", anchor: "E1", precedence: 10))
        ]
        #expect(a == b && a.hashValue == b.hashValue, "equal contributors compare by their fields")
        #expect(a != ["cn": MetaverseValue(values: [.string("Ada")], contributor: Self.crm)])
        #expect(a != ["cn": MetaverseValue(values: [], contributor: Self.hr, isAuthoritativeNull: true)])
    }

    @Test func referencesAreFoundWithoutDecoding() {
        var attributes = MetaverseAttributes()
        attributes.set("cn", values: [.string("mv:9")], contributor: Self.hr, isAuthoritativeNull: false)
        attributes.set(
            "member", values: [.reference("mv:3"), .reference("mv:12"), .reference("E7")], contributor: Self.hr,
            isAuthoritativeNull: false)
        var found: [MetaverseID] = []
        attributes.forEachReferencedObject { found.append($0) }
        #expect(found == [MetaverseID(3), MetaverseID(12)], "strings and non-metaverse anchors are not references")
    }
}
