import ConnectorKit
import Testing

@testable import PluginConnector

/// The fast path for `objects` messages must agree with the general path (``JSONParser/parse(_:)`` and
/// ``PluginMessage/decode(_:)``) on every line it accepts, and leave every other line to it.
@Suite struct ObjectsFastPathTests {
    /// A page in the protocol's common shape, with every value kind, escapes and spaces.
    static let page = #"""
        {"type":"objects","id":4,"items":[{"op":"object","anchor":"E1","objectType":"person","dn":"uid=e1,ou=people",\#
        "attributes":{"givenName":["Ada"],"surname":"Lovelace","note":["tab\there \"q\" \u00e9\ud83d\ude00"],\#
        "age":[36,-1,0],"active":[true,false],"photo":[{"binary":"AAEC/w=="}],"hired":{"date":"2026-11-25T13:45:00Z"},\#
        "manager":[{"reference":"E0"}],"sp\u00e9cial":["x"]}},\#
         { "op" : "add" , "anchor" : "E2" , "objectType" : "person" , "attributes" : { "mail" : [ "a@b" , "c@d" ] } } ,\#
        {"objectType":"person","anchor":"E3","op":"object"}]}
        """#

    /// What the general path makes of `line`, or `nil` when it refuses it.
    static func general(_ line: [UInt8]) -> (id: Int64, items: [ImportBatch.Item])? {
        guard let json = try? JSONParser.parse(line),
            case .objects(let id, let items)? = try? PluginMessage.decode(json)
        else { return nil }
        return (id, items)
    }

    static func fast(_ line: [UInt8]) -> (id: Int64, items: [ImportBatch.Item])? {
        let message = line.withUnsafeBufferPointer { JSONParser.objectsMessage($0) }
        guard case .objects(let id, let items)? = message else { return nil }
        return (id, items)
    }

    @Test func decodesThePageAsTheGeneralPathDoes() throws {
        let line = Array(Self.page.utf8)
        let fast = try #require(Self.fast(line))
        let general = try #require(Self.general(line))
        #expect(fast.id == 4)
        #expect(fast.items == general.items)
        #expect(fast.items.count == 3)
        guard case .object(let ada) = fast.items[0] else {
            Issue.record("the first item is not an object: \(fast.items[0])")
            return
        }
        #expect(ada.distinguishedName == "uid=e1,ou=people")
        #expect(ada.attributes["note"] == [.string("tab\there \"q\" é😀")])
        #expect(ada.attributes["surname"] == [.string("Lovelace")])
        #expect(ada.attributes["age"] == [.integer(36), .integer(-1), .integer(0)])
        #expect(ada.attributes["photo"] == [.binary([0, 1, 2, 255])])
        #expect(ada.attributes["manager"] == [.reference("E0")])
        #expect(ada.attributes["spécial"] == [.string("x")])
        #expect(
            fast.items[1]
                == .change(
                    .add(
                        ConnectorObject(
                            anchor: "E2", objectType: "person",
                            attributes: ["mail": [.string("a@b"), .string("c@d")]]))))
    }

    /// Valid messages outside the fast path's shape, and invalid ones: the fast path declines each.
    @Test(arguments: [
        #"{"type":"objects","id":4,"items":[],"comment":"unknown members are ignored"}"#,
        #"{"type":"objects","id":4,"items":[{"op":"object","anchor":"E1","objectType":"person","dn":null}]}"#,
        #"{"type":"objects","id":4,"items":[{"op":"delete","anchor":"E1","objectType":"person"}]}"#,
        #"{"type":"objects","id":4,"items":[{"op":"object","anchor":"E1","objectType":"person","attributes":{"a":[]}}]}"#,
        #"{"type":"objects","id":4,"items":[{"op":"object","anchor":"E1","objectType":"person","x":1}]}"#,
        #"{"ty\u0070e":"objects","id":4,"items":[]}"#,
        #"{"type":"end","id":4,"watermark":"7"}"#,
        #"{"type":"objects","id":4,"items":[{"op":"object","anchor":"","objectType":"person"}]}"#,
        #"{"type":"objects","id":4,"items":[{"op":"object","anchor":"E1","objectType":"person","attributes":{"a":[null]}}]}"#,
        #"{"type":"objects","id":4,"items":[{"op":"object","anchor":"E1","objectType":"person","attributes":{"a":[1.5]}}]}"#,
        #"{"type":"objects","id":4,"items":[{"op":"object","anchor":"E1","objectType":"person","attributes":{"a":1,"a":2}}]}"#,
        #"{"type":"objects","id":4,"items":[{"op":"object","anchor":"E1","objectType":"person","attributes":{"a":{"date":"yesterday"}}}]}"#,
        #"{"type":"objects","id":4,"id":5,"items":[]}"#,
        #"{"type":"objects","id":4,"items":[]} x"#,
        #"{"type":"objects","id":4.0,"items":[]}"#,
    ])
    func declinesWhatItDoesNotCover(text: String) {
        #expect(Self.fast(Array(text.utf8)) == nil)
    }

    /// Every single-byte deletion and several replacements at every offset of the page: whatever the fast path
    /// still accepts, the general path accepts too, with the same items.
    @Test func neverAcceptsWhatTheGeneralPathRefusesOrReadsDifferently() {
        let line = Array(Self.page.utf8)
        let replacements: [UInt8] = [
            UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "{"), UInt8(ascii: "]"), UInt8(ascii: ","),
            UInt8(ascii: ":"), UInt8(ascii: "1"), UInt8(ascii: "n"), UInt8(ascii: " "), 0x00, 0xC3, 0xFF,
        ]
        var accepted = 0
        var variants = 0
        for offset in line.indices {
            var mutations = [line]
            mutations[0].remove(at: offset)
            for byte in replacements where line[offset] != byte {
                var mutated = line
                mutated[offset] = byte
                mutations.append(mutated)
            }
            for mutated in mutations {
                variants += 1
                guard let fast = Self.fast(mutated) else { continue }
                accepted += 1
                let general = Self.general(mutated)
                #expect(
                    general?.id == fast.id && general?.items == fast.items,
                    "the fast path reads \(String(decoding: mutated, as: UTF8.self)) differently")
            }
        }
        // Mutations inside string values keep the line valid: the check above must have had cases to check.
        #expect(accepted > 100 && accepted < variants / 2, "accepted \(accepted) of \(variants)")
    }
}
