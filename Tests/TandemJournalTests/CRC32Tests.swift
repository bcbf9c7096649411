import Testing

@testable import TandemJournal

/// The journal's CRC-32 (folded with PCLMULQDQ on long buffers where the processor has it) must
/// equal the plain IEEE CRC-32 that every journal and every shipped frame was checked with.
@Suite struct CRC32Tests {
    /// The bitwise CRC-32 (reflected, polynomial 0xEDB88320), as zlib's crc32 defines it.
    private static func reference(_ bytes: ArraySlice<UInt8>, seed: UInt32) -> UInt32 {
        var crc = ~seed
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }

    @Test func knownValue() {
        #expect(journalCRC32(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test func equalsTheBitwiseCRCAtEveryLengthOffsetAndSeed() {
        var generator = SystemRandomNumberGenerator()
        let buffer = (0..<70_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let lengths = [0, 1, 15, 63, 64, 65, 255, 256, 257, 319, 320, 1_000, 4_096, 4_111, 65_537]
        for length in lengths {
            for offset in [0, 1, 7, 16, 33] where offset + length <= buffer.count {
                for seed: UInt32 in [0, 1, 0xFFFF_FFFF, 0x1234_5678] {
                    let slice = buffer[offset..<offset + length]
                    let folded = slice.withUnsafeBytes { journalCRC32($0, seed: seed) }
                    #expect(
                        folded == Self.reference(slice, seed: seed), "length \(length), offset \(offset), seed \(seed)")
                }
            }
        }
    }

    @Test func continuingAcrossPiecesEqualsOnePass() {
        let buffer = (0..<10_000).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 7) }
        let whole = journalCRC32(buffer)
        var crc: UInt32 = 0
        for piece in stride(from: 0, to: buffer.count, by: 777) {
            crc = buffer[piece..<min(piece + 777, buffer.count)].withUnsafeBytes { journalCRC32($0, seed: crc) }
        }
        #expect(crc == whole)
    }
}
