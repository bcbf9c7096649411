import Testing

@testable import TandemJournal

/// The decompressor every frame, checkpoint and object index goes through: a stream must inflate to
/// exactly the length its header declares, end where its bytes end and pass its Adler-32.
@Suite struct InflaterTests {
    private let text = Array(String(repeating: "uid=ada,ou=people,dc=example,dc=com;", count: 500).utf8)

    private func inflate(_ stored: [UInt8], expectedLength: Int) throws(Inflater.Failure) -> [UInt8] {
        var result: Result<[UInt8], Inflater.Failure>!
        stored.withUnsafeBytes { raw in
            result = Result { () throws(Inflater.Failure) in
                try Inflater().decompress(raw, expectedLength: expectedLength)
            }
        }
        return try result.get()
    }

    @Test(arguments: [0, 1, 7, 4_096, 18_000])
    func aStreamInflatesToExactlyItsBytes(length: Int) throws {
        let original = Array(text.prefix(length))
        let stored = try Deflater(level: 1).compress(original)
        #expect(try inflate(stored, expectedLength: length) == original)
        // In place, into a buffer of the declared length, as checkpoint parts inflate.
        var output = [UInt8](repeating: 0xEE, count: length)
        try stored.withUnsafeBytes { input in
            try output.withUnsafeMutableBytes { try Inflater().decompress(input, into: $0) }
        }
        #expect(output == original)
    }

    @Test func aStreamLongerThanDeclaredIsRefusedWithoutItsLength() throws {
        let stored = try Deflater(level: 1).compress(text)
        #expect {
            try inflate(stored, expectedLength: text.count - 1)
        } throws: { error in
            guard case Inflater.Failure.lengthMismatch(actual: nil) = error else { return false }
            return true
        }
    }

    @Test func aStreamShorterThanDeclaredIsRefusedWithItsLength() throws {
        let stored = try Deflater(level: 1).compress(text)
        #expect {
            try inflate(stored, expectedLength: text.count + 10)
        } throws: { error in
            guard case Inflater.Failure.lengthMismatch(actual: let actual) = error else { return false }
            return actual == text.count
        }
    }

    @Test func bytesAfterTheStreamAreRefused() throws {
        let stored = try Deflater(level: 1).compress(text) + [0, 1, 2]
        #expect {
            try inflate(stored, expectedLength: text.count)
        } throws: { error in
            guard case Inflater.Failure.malformed(let reason) = error else { return false }
            return reason == "3 bytes follow the end of the zlib stream"
        }
    }

    @Test(arguments: ["truncated", "adler", "header"])
    func aDamagedStreamIsRefused(damage: String) throws {
        var stored = try Deflater(level: 1).compress(text)
        switch damage {
        case "truncated": stored.removeLast(9)
        case "adler": stored[stored.count - 1] ^= 0x01
        default: stored[0] = 0x00
        }
        #expect {
            try inflate(stored, expectedLength: text.count)
        } throws: { error in
            guard case Inflater.Failure.malformed(let reason) = error else { return false }
            return reason == "the zlib stream is invalid or truncated, or fails its Adler-32"
        }
    }
}
