import ConnectorKit
import Testing

@testable import TandemEngine

/// `PackedAttributes` holds a connector-space object's attributes in one buffer; it must read back
/// exactly what it was given, compare as the dictionary would, and write the journal's and the
/// digest's encodings byte for byte as the dictionary's encoders do.
@Suite struct PackedAttributesTests {
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func readsBackWhatItWasGiven(seed: UInt64) {
        var events = RandomEngineEvents(seed: seed)
        for _ in 0..<200 {
            let attributes = events.attributes()
            let packed = PackedAttributes(attributes)
            #expect(packed.dictionary == attributes)
            #expect(packed.count == attributes.count)
            #expect(packed.isEmpty == attributes.isEmpty)
            #expect(packed.keys == attributes.keys.sorted())
            for name in ["mail", "givenName", "member", "department", "photo", "absent", ""] {
                #expect(packed[name] == attributes[name], "attribute \(name)")
                #expect(packed.contains(name) == (attributes[name] != nil))
            }
            #expect(Array(packed.map(\.key)) == attributes.keys.sorted())
            #expect(packed == PackedAttributes(packed.dictionary), "the same attributes pack to the same bytes")
        }
    }

    @Test(arguments: [11, 12, 13, 14] as [UInt64])
    func writesTheJournalsAndTheDigestsEncodingsAsTheDictionaryDoes(seed: UInt64) throws {
        var events = RandomEngineEvents(seed: seed)
        for _ in 0..<200 {
            let attributes = events.attributes()
            let packed = PackedAttributes(attributes)
            var fromDictionary = BinaryWriter()
            fromDictionary.attributes(attributes)
            var fromPacked = BinaryWriter()
            fromPacked.attributes(packed)
            #expect(fromPacked.bytes == fromDictionary.bytes)

            var digestOfDictionary = BinaryWriter()
            EngineState.canonical(attributes, to: &digestOfDictionary)
            var digestOfPacked = BinaryWriter()
            packed.writeForDigest(to: &digestOfPacked)
            #expect(digestOfPacked.bytes == digestOfDictionary.bytes)

            var reader = BinaryReader(fromDictionary.bytes)
            #expect(try reader.packedAttributes() == packed, "reading the journal's encoding packs the same bytes")
            #expect(reader.isAtEnd)
        }
    }

    /// What a sync decision carries: the values' journal encoding, taken from an object's buffer unchanged when
    /// a direct flow would pass the values on as they are, and equal to the same values encoded afresh.
    @Test(arguments: [21, 22, 23] as [UInt64])
    func plainValuesAreTheObjectsOwnBytesOfValuesAFlowPassesOnUnchanged(seed: UInt64) throws {
        var events = RandomEngineEvents(seed: seed)
        for _ in 0..<200 {
            let attributes = events.attributes()
            let packed = PackedAttributes(attributes)
            for (name, values) in attributes {
                let unchanged =
                    !values.isEmpty
                    && !values.contains { value in
                        if case .string("") = value { return true }
                        return value.kind == .reference
                    }
                let plain = packed.plainValues(name)
                #expect((plain != nil) == unchanged, "attribute \(name): \(values)")
                if let plain {
                    #expect(plain.values == values)
                    #expect(plain == EncodedValues(values) && plain.hashValue == EncodedValues(values).hashValue)
                }
                let encoded = EncodedValues(values)
                #expect(encoded.values == values && encoded.isEmpty == values.isEmpty)
                var w = BinaryWriter()
                w.values(encoded)
                var r = BinaryReader(w.bytes)
                #expect(try r.encodedValues() == encoded && r.isAtEnd, "read back from the journal's encoding")
            }
            #expect(packed.plainValues("absent") == nil)
        }
        #expect(PackedAttributes(["a": [.string(""), .string("x")]]).plainValues("a") == nil)
        #expect(PackedAttributes(["a": [.reference("E1")]]).plainValues("a") == nil)
        #expect(PackedAttributes(["a": []]).plainValues("a") == nil)
        #expect(EncodedValues([]).isEmpty && EncodedValues([.string("")]).isEmpty == false)
    }

    @Test func equalityAndHashingFollowTheValues() {
        let a: PackedAttributes = ["mail": [.string("ada@example.com")], "cn": [.string("Ada")]]
        let b = PackedAttributes(["cn": [.string("Ada")], "mail": [.string("ada@example.com")]])
        #expect(a == b && a.hashValue == b.hashValue)
        #expect(a != ["mail": [.string("ada@example.com")]])
        #expect(a != ["mail": [.string("ada@example.com")], "cn": [.string("Grace")]])
        // The order of a multi-valued attribute's values is kept, as the dictionary keeps it.
        let ab: PackedAttributes = ["member": [.reference("A1"), .reference("A2")]]
        let ba: PackedAttributes = ["member": [.reference("A2"), .reference("A1")]]
        #expect(ab != ba && ab["member"] == [.reference("A1"), .reference("A2")])
        #expect(PackedAttributes() == [:] && PackedAttributes().isEmpty && PackedAttributes().count == 0)
    }

    @Test func editsRebuildTheBuffer() {
        var packed: PackedAttributes = ["cn": [.string("Ada")], "member": [.reference("A1")]]
        packed["mail"] = [.string("ada@example.com")]
        packed["cn"] = nil
        #expect(packed == ["mail": [.string("ada@example.com")], "member": [.reference("A1")]])
        packed.apply(.add("member", [.reference("A2"), .reference("A1")]))
        packed.apply(.replace("mail", []))
        #expect(packed == ["member": [.reference("A1"), .reference("A2")]])
    }

    @Test func findsReferencesWithoutDecodingOtherValues() {
        let packed: PackedAttributes = [
            "cn": [.string("A1")], "manager": [.reference("E7")], "member": [.reference("A1"), .reference("A22")],
            "photo": [.binary([5, 0, 5])], "since": [.date(microsecondsSince1970: -5)], "age": [.integer(300)],
            "active": [.boolean(true)],
        ]
        var seen: [Anchor] = []
        packed.forEachReference { seen.append($0) }
        #expect(seen == ["E7", "A1", "A22"])
        #expect(packed.containsReference(to: "A1") && packed.containsReference(to: "A22"))
        #expect(!packed.containsReference(to: "A2") && !packed.containsReference(to: "cn"))
    }

    @Test func readingRejectsNamesOutOfOrderOrRepeatedAndBadValues() throws {
        func encoded(_ entries: [(String, [AttributeValue])]) -> [UInt8] {
            var w = BinaryWriter()
            w.count(entries.count)
            for (name, values) in entries {
                w.string(name)
                w.values(values)
            }
            return w.bytes
        }
        for (bytes, name) in [
            (encoded([("mail", [.string("a")]), ("cn", [.string("b")])]), "cn"),
            (encoded([("cn", [.string("a")]), ("cn", [.string("b")])]), "cn"),
            // Canonically equivalent names are one name to String, however their bytes differ.
            (encoded([("cn", []), ("e\u{301}", [.string("a")]), ("\u{E9}", [.string("b")])]), "\u{E9}"),
        ] {
            var reader = BinaryReader(bytes)
            #expect {
                try reader.packedAttributes()
            } throws: { error in
                (error as? BinaryReader.Malformed)?.reason == "attribute '\(name)' is out of order or repeated"
            }
        }
        // Names beyond ASCII sort as String sorts them.
        var reader = BinaryReader(encoded([("cn", [.string("a")]), ("z", []), ("\u{E9}t\u{E9}", [.integer(1)])]))
        #expect(
            try reader.packedAttributes() == ["cn": [.string("a")], "z": [], "\u{E9}t\u{E9}": [.integer(1)]]
        )
        var badTag = encoded([("cn", [.string("a")])])
        badTag[badTag.count - 3] = 9  // the value's tag
        reader = BinaryReader(badTag)
        #expect(throws: BinaryReader.Malformed.self) { try reader.packedAttributes() }
        var badText = encoded([("cn", [.string("ab")])])
        badText[badText.count - 1] = 0xFF
        reader = BinaryReader(badText)
        #expect(throws: BinaryReader.Malformed.self) { try reader.packedAttributes() }
    }

    @Test func heldValuesCompareInAnyOrder() {
        let packed: PackedAttributes = ["member": [.reference("A1"), .reference("A2")], "cn": [.string("Ada")]]
        #expect(packed.holds("cn", sameValuesAs: [.string("Ada")]))
        #expect(!packed.holds("cn", sameValuesAs: [.string("Ad")]))
        #expect(!packed.holds("cn", sameValuesAs: [.integer(3)]))
        #expect(!packed.holds("cn", sameValuesAs: []))
        #expect(packed.holds("member", sameValuesAs: [.reference("A2"), .reference("A1")]))
        #expect(!packed.holds("member", sameValuesAs: [.reference("A2")]))
        #expect(packed.holds("absent", sameValuesAs: []))
        #expect(!packed.holds("absent", sameValuesAs: [.string("x")]))
    }

    @Test func heldValuesCompareWithEncodedValues() {
        let packed: PackedAttributes = ["member": [.reference("A1"), .reference("A2")], "cn": [.string("Ada")]]
        func holds(_ name: String, _ values: [AttributeValue]) -> Bool {
            var w = BinaryWriter()
            w.values(values)
            return w.bytes.withUnsafeBufferPointer { packed.holds(name, sameValuesAsEncoded: $0) }
        }
        #expect(holds("cn", [.string("Ada")]))
        #expect(!holds("cn", [.string("Ad")]))
        #expect(!holds("cn", []))
        #expect(holds("member", [.reference("A2"), .reference("A1")]), "any order")
        #expect(!holds("member", [.reference("A2"), .reference("A3")]))
        #expect(!holds("member", [.reference("A2")]))
        #expect(holds("absent", []))
        #expect(!holds("absent", [.string("x")]))
    }

    @Test func emptyAttributesAreLeftOutOfAnAdd() {
        let packed: PackedAttributes = ["cn": [.string("Ada")], "mail": [], "title": [], "sn": [.string("L")]]
        #expect(packed.withoutEmptyAttributes() == ["cn": [.string("Ada")], "sn": [.string("L")]])
        let full: PackedAttributes = ["cn": [.string("Ada")]]
        #expect(full.withoutEmptyAttributes() == full)
        #expect(PackedAttributes(["mail": []]).withoutEmptyAttributes().isEmpty)
    }
}
