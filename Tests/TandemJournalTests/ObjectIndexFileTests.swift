import Foundation
import Testing

@testable import TandemJournal

/// The object index file: what is written is what a lookup returns, key by key, across block
/// boundaries; a damaged file is reported, never read as if it were sound.
@Suite struct ObjectIndexFileTests {
    /// Entries with keys of varied lengths, sorted, and ascending seqs.
    static func entries(count: Int, seed: UInt64) -> [ObjectIndexFile.Entry] {
        var random = SeededRandom(seed: seed)
        var keys = Set<[UInt8]>()
        while keys.count < count {
            keys.insert(
                (0..<Int.random(in: 1...12, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) })
        }
        return keys.sorted { $0.lexicographicallyPrecedes($1) }.map { key in
            var seq: UInt64 = 0
            let seqs = (0..<Int.random(in: 1...6, using: &random)).map { _ in
                seq += UInt64.random(in: 1...100_000, using: &random)
                return seq
            }
            return ObjectIndexFile.Entry(key: key, seqs: seqs)
        }
    }

    @Test(arguments: [0, 1, 1023, 1024, 3000])
    func lookupsReturnWhatWasWritten(count: Int) throws {
        let directory = TemporaryDirectory("object-index")
        let path = directory.file("objects.idx")
        let entries = Self.entries(count: count, seed: UInt64(count))
        let journalID = UUID()
        try ObjectIndexFile.write(
            path: path, journalID: journalID, coveredSeq: 77, coveredEpoch: 3, sharedSeqs: [5, 40], entries: entries)
        let index = try ObjectIndexFile.open(path: path)
        #expect(index.journalID == journalID)
        #expect(index.coveredSeq == 77)
        #expect(index.coveredEpoch == 3)
        #expect(index.sharedSeqs == [5, 40])
        #expect(try index.allEntries() == entries)
        for entry in entries { #expect(try index.seqs(for: entry.key) == entry.seqs) }
        // Keys that are not there: before the first, between two, after the last.
        let present = Set(entries.map(\.key))
        let missingKeys: [[UInt8]] = [[], [UInt8](repeating: 0, count: 13), [UInt8](repeating: 255, count: 13)]
        for missing in missingKeys where !present.contains(missing) {
            #expect(try index.seqs(for: missing) == [])
        }
    }

    @Test(arguments: [0, 9] as [UInt64])
    func aTailKeepsItsBaseSeq(base: UInt64) throws {
        let directory = TemporaryDirectory("object-index-tail")
        let path = directory.file("objects.tail.idx")
        let entries = Self.entries(count: 1500, seed: base).map {
            ObjectIndexFile.Entry(key: $0.key, seqs: $0.seqs.map { $0 + base })
        }
        try ObjectIndexFile.write(
            path: path, journalID: UUID(), baseSeq: base, coveredSeq: 700_000, coveredEpoch: 2, sharedSeqs: [base + 1],
            entries: entries)
        let tail = try ObjectIndexFile.open(path: path)
        #expect(tail.baseSeq == base && tail.coveredSeq == 700_000 && tail.coveredEpoch == 2)
        #expect(try tail.allEntries() == entries)
        // A whole index stays in format version 1; a tail, whose header holds the base seq, is version 2.
        var bytes = [UInt8](FileManager.default.contents(atPath: path)!)
        #expect(bytes[8] == (base == 0 ? 1 : 2))
        // A damaged base seq fails the header checksum.
        bytes[base == 0 ? 33 : 61] ^= 0x01
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        #expect {
            try ObjectIndexFile.open(path: path)
        } throws: {
            ($0 as? JournalError)?.code == .corruption && "\($0)".contains("the header fails its checksum")
        }
    }

    @Test func aDamagedBlockIsReportedNotRead() throws {
        let directory = TemporaryDirectory("object-index")
        let path = directory.file("objects.idx")
        let entries = Self.entries(count: 2000, seed: 9)
        try ObjectIndexFile.write(
            path: path, journalID: UUID(), coveredSeq: 1, coveredEpoch: 1, sharedSeqs: [], entries: entries)
        var bytes = readBytes(path)
        bytes[ObjectIndexFile.headerLength + 10] ^= 0x40
        writeBytes(bytes, to: path)
        let index = try ObjectIndexFile.open(path: path)
        let error = try #require(throws: JournalError.self) { try index.seqs(for: entries[0].key) }
        #expect(error.code == .corruption)
        #expect(error.message.hasSuffix("fails its checksum"))
    }

    @Test func aDamagedHeaderOrDirectoryIsReported() throws {
        let directory = TemporaryDirectory("object-index")
        let path = directory.file("objects.idx")
        try ObjectIndexFile.write(
            path: path, journalID: UUID(), coveredSeq: 1, coveredEpoch: 1, sharedSeqs: [],
            entries: Self.entries(count: 10, seed: 4))
        let sound = readBytes(path)
        for offset in [20, sound.count - 2] {
            var bytes = sound
            bytes[offset] ^= 0x01
            writeBytes(bytes, to: path)
            let error = try #require(throws: JournalError.self) { try ObjectIndexFile.open(path: path) }
            #expect(error.code == .corruption, "byte \(offset)")
        }
        writeBytes(Array(sound[0..<40]), to: path)
        #expect(throws: JournalError.self) { try ObjectIndexFile.open(path: path) }
    }
}
