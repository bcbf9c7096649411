import ConnectorKit
import Foundation
import Testing

/// The base64 that files and the plug-in protocol share: standard alphabet, padding required and only at the end.
@Suite struct Base64Tests {
    /// Every length from 0 to 100 bytes (all three padding cases many times), with Foundation's encoder as the
    /// reference for the text.
    @Test func encodesAsFoundationDoesAndDecodesBack() throws {
        var generator = SystemRandomNumberGenerator()
        for length in 0...100 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let text = Base64.encode(bytes)
            #expect(text == Data(bytes).base64EncodedString(), "\(bytes)")
            #expect(try Base64.decode(text) == bytes)
        }
        #expect(Base64.encode([0, 1, 2, 255]) == "AAEC/w==")
        #expect(try Base64.decode("+/+/") == [0xFB, 0xFF, 0xBF])
    }

    /// Malformed text is refused with what is wrong and where, without quoting the text. Foundation's decoder
    /// accepts the padding cases (`AA=A` as two zero bytes, `====` as one).
    @Test(arguments: [
        ("AAE", 3, "is 3 characters long, not a multiple of 4 (padded with '=')"),
        ("AAEC\n", 4, "has a character outside the base64 alphabet at offset 4"),
        ("AAEC/w=", 7, "is 7 characters long, not a multiple of 4 (padded with '=')"),
        ("AA=A", 2, "has padding '=' before its end, at offset 2"),
        ("====", 0, "has padding '=' before its end, at offset 0"),
        ("A===", 1, "has padding '=' before its end, at offset 1"),
        ("AA==AA==", 2, "has padding '=' before its end, at offset 2"),
        ("-_8=", 0, "has a character outside the base64 alphabet at offset 0"),
        ("AA C", 2, "has a character outside the base64 alphabet at offset 2"),
        ("AAéA", 2, "has a character outside the base64 alphabet at offset 2"),
    ])
    func refusesMalformedText(text: String, offset: Int, description: String) {
        let error = #expect(throws: Base64.DecodingError.self) { try Base64.decode(text) }
        #expect(error?.offset == offset)
        #expect(error?.description == description)
    }
}
