import Testing

@testable import PluginConnector

@Suite struct JSONParserTests {
    @Test func parsesTheProtocolsValues() throws {
        let value = try JSONParser.parse(
            Array(#"{"a":[1,-2,true,false,null,"x\"\u00e9\ud83d\ude00"],"b":{"c":1.5}}"#.utf8))
        #expect(
            value
                == .object([
                    "a": .array([.integer(1), .integer(-2), .boolean(true), .boolean(false), .null, .string("x\"é😀")]),
                    "b": .object(["c": .fraction(1.5)]),
                ]))
    }

    @Test(arguments: [
        (#"{"a":1,"a":2}"#, 8, "member 'a' appears twice"),
        (#"{"a":1} x"#, 9, "text follows the JSON value"),
        (#"{"a":"\x"}"#, 8, "unknown escape"),
        (#"{"a":01}"#, 7, "expected ',' or '}' after a member"),
        (#"{"a""#, 5, "expected ':' after a member name"),
    ])
    func rejects(text: String, column: Int, message: String) {
        #expect(throws: JSONParser.SyntaxError(column: column, message: message)) {
            try JSONParser.parse(Array(text.utf8))
        }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
    }

    @Test func writerRoundTrips() throws {
        var writer = JSONWriter()
        writer.value(.object(["k": .array([.string("tab\t\"q\"\u{1}"), .integer(Int64.min), .boolean(true)])]))
        #expect(
            try JSONParser.parse(writer.bytes)
                == .object(["k": .array([.string("tab\t\"q\"\u{1}"), .integer(Int64.min), .boolean(true)])]))
    }
}
