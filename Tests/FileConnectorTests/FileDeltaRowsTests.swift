import ConnectorKit
import ConnectorKitTesting
import Foundation
import Testing

@testable import FileConnector

/// The pieces a delta import and an export build on: rows split without decoding, hashed, remembered by
/// position and copied as byte ranges. Each is checked against the plain way of doing the same thing.
@Suite struct FileDeltaRowsTests {
    /// A generator of CSV text with everything the reader treats specially: quoted fields holding delimiters,
    /// doubled quotes and line breaks; quotes inside unquoted fields; CRLF, LF and lone CR line endings; blank
    /// lines; a last line with or without its line ending.
    struct TextGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state ^ (state >> 29)
        }

        mutating func field() -> String {
            switch Int.random(in: 0..<10, using: &self) {
            case 0: return ""
            case 1: return "\"a,b\""
            case 2: return "\"two\nlines\""
            case 3: return "\"say \"\"hi\"\"\""
            case 4: return "in\"side"
            case 5: return "\"cr\r\nlf\""
            default: return String(repeating: "x", count: Int.random(in: 1...40, using: &self))
            }
        }

        mutating func lineEnding() -> String {
            ["\n", "\r\n", "\r", "\n\n", "\r\n\r\n"][Int.random(in: 0..<5, using: &self)]
        }

        mutating func csv(rows: Int) -> String {
            var text = "employeeId,a,b" + lineEnding()
            for row in 0..<rows {
                text += "E\(row),\(field()),\(field())"
                if row < rows - 1 || Bool.random(using: &self) { text += lineEnding() }
            }
            return text
        }
    }

    /// The rows as the CSV reader splits them, one record after another.
    func readerRows(_ bytes: UnsafeBufferPointer<UInt8>) -> (header: Range<Int>?, rows: [Range<Int>])? {
        var reader = CSVReader(bytes, from: FileTable.layout(of: bytes).start, delimiter: UInt8(ascii: ","))
        var fields: [CSVReader.Field] = []
        var rows: [Range<Int>] = []
        do {
            guard let header = try reader.nextRecord(into: &fields) else { return (nil, []) }
            while let record = try reader.nextRecord(into: &fields) { rows.append(record.raw) }
            return (header.raw, rows)
        } catch {
            return nil
        }
    }

    @Test(arguments: 1...40)
    func csvRowsSplitExactlyAsTheReaderSplitsThem(seed: Int) throws {
        var generator = TextGenerator(state: UInt64(seed))
        let text = generator.csv(rows: Int.random(in: 0...30, using: &generator))
        let settings = try FileConnectorSettings(FileTesting.configuration("/x/hr.csv"))
        let format = CSVFormat(settings: settings)
        Array(text.utf8).withUnsafeBufferPointer { bytes in
            let fast = format.rowRanges(bytes)
            let plain = readerRows(bytes)
            #expect(fast?.header == plain?.header)
            #expect(fast?.rows == plain?.rows)
        }
    }

    @Test func anUnclosedQuoteDoesNotSplit() throws {
        let settings = try FileConnectorSettings(FileTesting.configuration("/x/hr.csv"))
        Array("employeeId,a\nE1,\"open\nE2,x\n".utf8).withUnsafeBufferPointer { bytes in
            #expect(CSVFormat(settings: settings).rowRanges(bytes) == nil)
        }
    }

    @Test func rowHashesTellRowsApartAndDependOnEveryByte() {
        var seen = Set<UInt64>()
        var bytes: [UInt8] = []
        for length in 0...100 {
            let hash = bytes.withUnsafeBufferPointer { RowHash.hash($0) }
            #expect(seen.insert(hash).inserted, "length \(length)")
            for position in bytes.indices {
                var changed = bytes
                changed[position] ^= 1
                #expect(changed.withUnsafeBufferPointer { RowHash.hash($0) } != hash)
            }
            bytes.append(UInt8(truncatingIfNeeded: length &* 7))
        }
        #expect(RowHash.hash("E1") == Array("E1".utf8).withUnsafeBufferPointer { RowHash.hash($0) })
    }

    /// Random inserts, removals and lookups, many of the keys sharing their low bits (the slot they start
    /// from), against a dictionary.
    @Test func hashSlotsAgreeWithADictionary() {
        var generator = TextGenerator(state: 7)
        var slots = HashSlots()
        var model: [UInt64: Int32] = [:]
        for step in 0..<20_000 {
            // 0 stands for 1 in the slots (0 marks a free slot), so the keys start at 2.
            let key = UInt64.random(in: 2..<300, using: &generator) << (Bool.random(using: &generator) ? 0 : 40)
            switch Int.random(in: 0..<3, using: &generator) {
            case 0:
                let inserted = slots.insert(key, Int32(step))
                #expect(inserted == (model[key] == nil))
                if inserted { model[key] = Int32(step) }
            case 1:
                slots.remove(key)
                model[key] = nil
            default:
                #expect(slots.position(of: key) == model[key])
            }
            #expect(slots.count == model.count)
        }
        for (key, position) in model { #expect(slots.position(of: key) == position) }
    }

    /// Rounds of random edits (changed, moved, deleted and added rows, values with quotes and line breaks):
    /// after each, one long-lived connector's delta (from the rows it remembers, kept up to date in place)
    /// equals a fresh connector's comparison of the whole file with the connector space.
    @Test(arguments: [1, 2, 3])
    func deltasFromRememberedRowsRoundAfterRoundEqualFullComparisons(seed: Int) async throws {
        var generator = TextGenerator(state: UInt64(seed) &* 1_000_003)
        var rows = (0..<60).map { "E\($0),\(generator.field()),\(generator.field())" }
        var nextAnchor = 60
        func text(_ rows: [String]) -> String { "employeeId,a,b\r\n" + rows.map { $0 + "\r\n" }.joined() }
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.csv", text(rows))
        let connector = try FileTesting.connector(path)
        let full = try await FileTesting.batches(connector)
        var space = InMemoryConnectorSpace()
        try space.apply(full)
        var watermark = try #require(full.last?.watermark)
        var previousText = text(rows)
        var changedRounds = 0
        for round in 1...8 {
            for _ in 0..<Int.random(in: 0...6, using: &generator) {
                guard !rows.isEmpty else { break }
                let position = Int.random(in: rows.indices, using: &generator)
                switch Int.random(in: 0..<4, using: &generator) {
                case 0:
                    let anchor = rows[position].prefix { $0 != "," }
                    rows[position] = "\(anchor),\(generator.field()),\(generator.field())"
                case 1: rows.swapAt(position, Int.random(in: rows.indices, using: &generator))
                case 2: rows.remove(at: position)
                default:
                    rows.insert("E\(nextAnchor),\(generator.field()),x", at: position)
                    nextAnchor += 1
                }
            }
            try directory.write("hr.csv", text(rows))
            if text(rows) != previousText { changedRounds += 1 }
            previousText = text(rows)
            let cached = try await FileTesting.batches(connector, .delta(watermark), space: space)
            let fresh = try await FileTesting.batches(
                try FileTesting.connector(path), .delta(watermark), space: space)
            #expect(cached == fresh, "round \(round)")
            #expect(connector.importedRows.deltasFromRememberedRows.load(ordering: .relaxed) == changedRounds)
            try space.apply(cached)
            watermark = try #require(cached.last?.watermark)
        }
    }

    /// A file not modified for a while is not read again while its version (inode, size, modification time)
    /// is the same; any edit outside Tandem changes the version and is found.
    @Test func anUnchangedSettledFileIsNotReadAgainAndAnEditIsFound() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.csv", "employeeId,name\nE1,Ada\nE2,Grace\n")
        let anHourAgo = Date(timeIntervalSinceNow: -3600)
        try FileManager.default.setAttributes([.modificationDate: anHourAgo], ofItemAtPath: path)
        let connector = try FileTesting.connector(path)
        let full = try await FileTesting.batches(connector)
        var space = InMemoryConnectorSpace()
        try space.apply(full)
        let watermark = try #require(full.last?.watermark)

        let unchanged = try await FileTesting.batches(connector, .delta(watermark), space: space)
        #expect(unchanged == [ImportBatch(items: [], watermark: watermark)])
        #expect(connector.importedRows.deltasWithoutReading.load(ordering: .relaxed) == 1)

        // Edited in place, same size: the modification time moves, so the file is read.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seek(toOffset: UInt64("employeeId,name\nE1,".utf8.count))
        try handle.write(contentsOf: Array("Eve".utf8))
        try handle.close()
        let edited = try await FileTesting.batches(connector, .delta(watermark), space: space)
        #expect(
            edited.flatMap(\.items) == [
                .object(FileTesting.person("E1", ["employeeId": [.string("E1")], "name": [.string("Eve")]]))
            ])
        #expect(connector.importedRows.deltasWithoutReading.load(ordering: .relaxed) == 1)
        #expect(connector.importedRows.deltasFromRememberedRows.load(ordering: .relaxed) == 1)
    }

    /// Between an export and the next import someone else edits the file: the delta import from the rows
    /// remembered before the export still equals a full comparison.
    @Test func aFileEditedOutsideTandemAfterAnExportIsComparedCorrectly() async throws {
        let directory = try TemporaryDirectory()
        let csv = "employeeId,name,note\nE1,Ada,\"multi\nline\"\nE2,Grace,\nE3,Edith,x\n"
        let path = try directory.write("hr.csv", csv)
        let connector = try FileTesting.connector(path)
        let full = try await FileTesting.batches(connector)
        var space = InMemoryConnectorSpace()
        try space.apply(full)
        let watermark = try #require(full.last?.watermark)
        _ = try await connector.export([
            .update(anchor: "E2", objectType: "person", changes: [.replace("name", [.string("Grace H.")])])
        ])
        let exported = try directory.read("hr.csv")
        try directory.write("hr.csv", exported.replacingOccurrences(of: "E3,Edith,x\n", with: "") + "E4,Hedy,\n")
        let cached = try await FileTesting.batches(connector, .delta(watermark), space: space)
        let fresh = try await FileTesting.batches(try FileTesting.connector(path), .delta(watermark), space: space)
        #expect(cached == fresh)
        #expect(cached.flatMap(\.items).count == 3)
        #expect(connector.importedRows.deltasFromRememberedRows.load(ordering: .relaxed) == 1)
    }

    /// An export copies unchanged rows as byte ranges of the old file: the written file is every unchanged
    /// row's bytes and every changed row's new text, each followed by the file's line ending, blank lines
    /// dropped, whatever the old file's line endings were.
    @Test(arguments: ["hr.csv", "hr.jsonl"])
    func exportsCopyUnchangedRowsAndRewriteOnlyChangedOnes(name: String) async throws {
        let csv = name.hasSuffix(".csv")
        let header = csv ? "employeeId,name\r\n" : ""
        func row(_ number: Int, _ value: String) -> String {
            csv ? "E\(number),\(value)" : #"{"employeeId":"E\#(number)","name":"\#(value)"}"#
        }
        let original = (1...40).map { row($0, "n\($0)") }
        var text = header
        for (index, line) in original.enumerated() {
            // Blank lines here and there, and no line ending after the last row.
            text += line + (index == original.count - 1 ? "" : index % 9 == 4 ? "\r\n\r\n" : "\r\n")
        }
        let directory = try TemporaryDirectory()
        let path = try directory.write(name, text)
        let connector = try FileTesting.connector(path)
        var expected = original
        for page in [[3, 17], [40, 1], [22]] {
            let results = try await connector.export(
                page.map {
                    .update(
                        anchor: Anchor("E\($0)"), objectType: "person", changes: [.replace("name", [.string("new")])])
                })
            #expect(results.allSatisfy { if case .applied = $0 { true } else { false } })
            for number in page { expected[number - 1] = row(number, "new") }
            #expect(try directory.read(name) == header + expected.map { $0 + "\r\n" }.joined())
        }
        // What was written reads back as the same objects with a fresh connector.
        let objects = try await FileTesting.objects(try FileTesting.connector(path))
        #expect(objects.count == 40)
    }
}
