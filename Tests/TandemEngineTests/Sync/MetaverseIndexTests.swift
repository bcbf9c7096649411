import ConnectorKit
import Testing

@testable import TandemEngine

/// The metaverse index keys its entries by a hash of the compared text: whatever the edits and however
/// the hashes collide, a lookup must find what a scan of the metaverse finds.
@Suite struct MetaverseIndexTests {
    private static let contributor = Contributor(rule: "hr-in", connector: "hr", anchor: "E1", precedence: 1)
    private static let pairs: Set<MetaverseIndex.AttributePair> = [
        .init(type: "person", attribute: "mail"), .init(type: "person", attribute: "employeeId"),
        .init(type: "group", attribute: "mail"),
    ]
    /// Values that compare equal in several spellings: ASCII case, an integer and its text, a precomposed
    /// and a decomposed "é" (equal strings), and the empty text.
    private static let values: [AttributeValue] = [
        .string("ada@example.org"), .string("ADA@example.org"), .string("grace@example.org"),
        .string("5"), .integer(5), .string("caf\u{E9}"), .string("cafe\u{301}"), .string("CAF\u{E9}"),
        .string(""), .reference("ada@example.org"),
    ]

    enum HashKind: String, CaseIterable {
        case engine, allCollide, someCollide

        var function: @Sendable (String) -> UInt64 {
            switch self {
            case .engine: MetaverseIndex.hash(_:)
            case .allCollide: { _ in 0 }
            // By characters, not bytes: equal texts ("café" in either spelling) must hash alike.
            case .someCollide: { UInt64($0.count % 3) }
            }
        }
    }

    /// The objects of `type` whose `attribute` holds `value`, by a scan.
    private static func scan(
        _ metaverse: [MetaverseID: MetaverseObject], type: ObjectType, attribute: String, value: AttributeValue
    ) -> Set<MetaverseID> {
        let text = MetaverseIndex.normalize(value)
        return Set(
            metaverse.values.filter { object in
                object.objectType == type && object.values(attribute).contains { MetaverseIndex.normalize($0) == text }
            }.map(\.id))
    }

    /// Random adds, value changes and deletes, as sync makes them; lookups start after the first changes,
    /// so the index is built from a metaverse that already holds values, then maintained.
    @Test(arguments: HashKind.allCases)
    func lookupsFindWhatAScanFinds(hash: HashKind) {
        var random = SeededRandom(seed: 11)
        var index = MetaverseIndex(indexing: Self.pairs, hash: hash.function)
        var metaverse: [MetaverseID: MetaverseObject] = [:]
        var nextID: UInt64 = 1
        let names = ["mail", "employeeId", "title"]
        for step in 0..<600 {
            switch Int.random(in: 0..<10, using: &random) {
            case 0, 1:
                let object = MetaverseObject(
                    id: MetaverseID(nextID), objectType: Bool.random(using: &random) ? "person" : "group")
                metaverse[object.id] = object
                nextID += 1
            case 2 where !metaverse.isEmpty:
                let object = metaverse.values.randomElement(using: &random)!
                for (name, value) in object.attributes {
                    index.update(id: object.id, type: object.objectType, attribute: name, old: value.values, new: [])
                }
                metaverse[object.id] = nil
            default:
                guard let id = metaverse.keys.randomElement(using: &random) else { continue }
                let name = names.randomElement(using: &random)!
                let new = (0..<Int.random(in: 0...2, using: &random)).map { _ in
                    Self.values.randomElement(using: &random)!
                }
                let old = metaverse[id]!.values(name)
                metaverse[id]!.attributes[name] =
                    new.isEmpty ? nil : MetaverseValue(values: new, contributor: Self.contributor)
                if index.isMaintained(type: metaverse[id]!.objectType, attribute: name) {
                    index.update(id: id, type: metaverse[id]!.objectType, attribute: name, old: old, new: new)
                }
            }
            guard step >= 40 else { continue }
            for type in ["person", "group"] as [ObjectType] {
                for name in names {
                    for value in Self.values {
                        #expect(
                            index.objects(type: type, attribute: name, value: value, in: metaverse)
                                == (Self.pairs.contains(.init(type: type, attribute: name))
                                    ? Self.scan(metaverse, type: type, attribute: name, value: value) : []),
                            "\(type) \(name) = \(value) after step \(step)")
                    }
                }
            }
        }
        // Every entry an object put in the index goes when the object does.
        for object in metaverse.values {
            for (name, value) in object.attributes {
                index.update(id: object.id, type: object.objectType, attribute: name, old: value.values, new: [])
            }
        }
        for pair in Self.pairs { #expect(index.entryCount(type: pair.type, attribute: pair.attribute) == 0) }
    }

    /// Two mail addresses whose hashes collide: neither is found for the other, a change of one keeps the
    /// other's holder, and an object whose mail and employee ID collide keeps its ID when its mail changes.
    @Test func collidingValuesNeverJoinOrClash() throws {
        var index = MetaverseIndex(indexing: Self.pairs, hash: { _ in 42 })
        var metaverse: [MetaverseID: MetaverseObject] = [:]
        func set(_ id: UInt64, _ name: String, _ values: [AttributeValue]) {
            let id = MetaverseID(id)
            let old = metaverse[id]?.values(name) ?? []
            if metaverse[id] == nil { metaverse[id] = MetaverseObject(id: id, objectType: "person") }
            metaverse[id]!.attributes[name] = MetaverseValue(values: values, contributor: Self.contributor)
            if index.isMaintained(type: "person", attribute: name) {
                index.update(id: id, type: "person", attribute: name, old: old, new: values)
            }
        }
        func holders(_ name: String, _ value: AttributeValue) -> Set<UInt64> {
            Set(index.objects(type: "person", attribute: name, value: value, in: metaverse).map(\.rawValue))
        }
        set(1, "mail", [.string("ada@example.org")])
        set(1, "employeeId", [.string("E1")])
        set(2, "mail", [.string("grace@example.org")])
        #expect(holders("mail", .string("Ada@Example.org")) == [1])
        #expect(holders("mail", .string("grace@example.org")) == [2])
        #expect(holders("mail", .string("linus@example.org")) == [])
        set(1, "mail", [.string("grace@example.org")])
        #expect(holders("mail", .string("grace@example.org")) == [1, 2])
        #expect(holders("mail", .string("ada@example.org")) == [])
        #expect(holders("employeeId", .string("E1")) == [1])
        set(2, "mail", [.string("ada@example.org")])
        #expect(holders("mail", .string("grace@example.org")) == [1])
        #expect(holders("mail", .string("ada@example.org")) == [2])
        #expect(index.entryCount(type: "person", attribute: "mail") == 1)
    }
}
