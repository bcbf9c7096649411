import ConnectorKit
import Testing

@Suite struct ValuesTests {
    @Test(
        arguments: [
            ("1970-01-01T00:00:00Z", 0),
            ("2026-11-25T13:45:00.123456Z", 1_795_614_300_123_456),
            ("1969-12-31T23:59:59.999999Z", -1),
            ("2000-02-29T00:00:00Z", 951_782_400_000_000),
            ("1900-03-01T12:00:00.500000Z", -2_203_847_999_500_000),
        ] as [(String, Int64)])
    func iso8601FormatsAndParsesExactly(_ text: String, _ micros: Int64) {
        #expect(ISO8601.format(microseconds: micros) == text)
        #expect(ISO8601.parse(text) == micros)
    }

    @Test func iso8601AcceptsDatesOffsetsAndShortFractions() {
        #expect(ISO8601.parse("2026-11-25") == ISO8601.parse("2026-11-25T00:00:00Z"))
        #expect(ISO8601.parse("2026-11-25T13:45:00+01:30") == ISO8601.parse("2026-11-25T12:15:00Z"))
        #expect(ISO8601.parse("2026-11-25 13:45:00-02:00") == ISO8601.parse("2026-11-25T15:45:00Z"))
        #expect(ISO8601.parse("2026-11-25T13:45:00.5Z") == ISO8601.parse("2026-11-25T13:45:00Z")! + 500_000)
        #expect(ISO8601.parse("2024-02-29") != nil)
    }

    @Test(arguments: [
        "", "2026-11", "2026-13-01", "2026-00-10", "2026-02-29", "2026-02-30", "2026-04-31", "2100-02-29",
        "2026-11-25T13:45:00", "2026-11-25T24:00:00Z", "2026-11-25T13:45:00.Z", "2026-11-25T13:45:00+0100",
        "2026-11-25T13:45:00Zjunk", "26-11-25",
    ])
    func iso8601RejectsMalformedText(_ text: String) {
        #expect(ISO8601.parse(text) == nil)
    }

    @Test func iso8601RoundTripsAcrossCenturies() {
        var micros: Int64 = -5_000_000_000_000_000
        while micros < 7_000_000_000_000_000 {
            #expect(ISO8601.parse(ISO8601.format(microseconds: micros)) == micros)
            micros += 123_456_789_123_457
        }
    }

    @Test func valuesHaveTextKindsAndATotalOrder() {
        #expect(AttributeValue.binary([0, 15, 255]).text == "000fff")
        #expect(AttributeValue.boolean(true).text == "true")
        #expect(AttributeValue.reference("E1").text == "E1")
        #expect(AttributeValue.string("secret").redacted == "<string>")
        let values: [AttributeValue] = [
            .reference("b"), .integer(2), .string("b"), .date(microsecondsSince1970: 0), .string("a"), .boolean(true),
            .binary([1]), .boolean(false), .integer(-1), .reference("a"),
        ]
        #expect(
            values.sorted() == [
                .string("a"), .string("b"), .integer(-1), .integer(2), .boolean(false), .boolean(true), .binary([1]),
                .date(microsecondsSince1970: 0), .reference("a"), .reference("b"),
            ])
    }

    @Test func attributeChangesApplyAtValueLevel() {
        var attributes: Attributes = ["phones": [.string("1"), .string("2")], "name": [.string("Ada")]]
        AttributeChange.add("phones", [.string("2"), .string("3"), .string("3")]).apply(to: &attributes)
        #expect(attributes["phones"] == [.string("1"), .string("2"), .string("3")])
        AttributeChange.remove("phones", [.string("1"), .string("9")]).apply(to: &attributes)
        #expect(attributes["phones"] == [.string("2"), .string("3")])
        AttributeChange.remove("phones", [.string("2"), .string("3")]).apply(to: &attributes)
        #expect(attributes["phones"] == nil)
        AttributeChange.replace("name", [.string("Grace")]).apply(to: &attributes)
        #expect(attributes["name"] == [.string("Grace")])
        AttributeChange.replace("name", []).apply(to: &attributes)
        #expect(attributes.isEmpty)
        AttributeChange.add("mail", [.string("a@example.org")]).apply(to: &attributes)
        #expect(attributes == ["mail": [.string("a@example.org")]])
    }

    @Test func objectsDropEmptyAttributes() {
        let object = ConnectorObject(anchor: "E1", objectType: "person", attributes: ["a": [], "b": [.integer(1)]])
        #expect(object.attributes == ["b": [.integer(1)]])
        #expect(object["b"] == .integer(1))
    }

    @Test func errorCodesParseAndDescribe() {
        #expect(ConnectorError.Code(name: "notFound") == .notFound)
        #expect(ConnectorError.Code(name: "nonsense") == nil)
        #expect(ConnectorError.Code.transient.isRetryable && !ConnectorError.Code.conflict.isRetryable)
        #expect(ConnectorError.Code.conflict.isPerObject && !ConnectorError.Code.authentication.isPerObject)
        let error = ConnectorError(.conflict, "duplicate mail", anchor: "E1", systemCode: "68")
        #expect(error.description == "conflict: duplicate mail (object E1) [68]")
    }
}
