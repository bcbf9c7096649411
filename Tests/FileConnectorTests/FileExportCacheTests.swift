import ConnectorKit
import Testing

@testable import FileConnector

/// A connector keeps the file its last export wrote, so that the next export call (the next page of the same
/// run) need not read and parse it again. What it writes must be what reading the file afresh would give.
@Suite struct FileExportCacheTests {
    /// Exports `pages` one call each with one connector, and with a new connector per call (which reads the
    /// file every time); both files must end the same.
    func compare(_ name: String, _ initial: String, _ pages: [[ObjectChange]]) async throws -> (String, String) {
        let kept = try TemporaryDirectory()
        let fresh = try TemporaryDirectory()
        let keptPath = try kept.write(name, initial)
        let freshPath = try fresh.write(name, initial)
        let settings: [String: ConfigurationValue] = ["multiValued": ["phones": ";"]]
        let connector = try FileTesting.connector(keptPath, settings)
        for page in pages {
            let keptResults = try await connector.export(page)
            let freshResults = try await FileTesting.connector(freshPath, settings).export(page)
            #expect(keptResults == freshResults)
        }
        return (try kept.read(name), try fresh.read(name))
    }

    static let pages: [[ObjectChange]] = [
        [
            .add(FileTesting.person("E4", ["displayName": [.string("Hopper, \"G\"")], "title": [.string("Admiral")]])),
            .update(anchor: "E1", objectType: "person", changes: [.add("phones", [.string("+1 2")])]),
        ],
        [
            .update(anchor: "E4", objectType: "person", changes: [.replace("phones", [.string("+1 9")])]),
            .delete(anchor: "E2", objectType: "person"),
            .add(FileTesting.person("E2", ["displayName": [.string("Grace again")]])),
        ],
        [
            .update(anchor: "E9", objectType: "person", changes: [.replace("title", [.string("none")])]),
            .update(anchor: "E1", objectType: "person", changes: [.replace("mail", [.string("ada@example.org")])]),
        ],
    ]

    @Test func pagesWrittenFromTheKeptFileEqualPagesWrittenFromTheDisk() async throws {
        let csv = "employeeId,displayName,phones\r\n\"E1\",\"Ada\",+44 1\r\nE2,Grace,\r\nE3,Edith,+33 4;+33 5\r\n"
        let (kept, fresh) = try await compare("hr.csv", csv, Self.pages)
        #expect(kept == fresh)
        let jsonl = #"{"employeeId":"E1","displayName":"Ada"}"# + "\n" + #"{"employeeId":"E2"}"# + "\n"
        let (keptLines, freshLines) = try await compare("hr.jsonl", jsonl, Self.pages)
        #expect(keptLines == freshLines)
    }

    /// The kept file holds each written row's bytes, not its values: a million-row export would otherwise keep
    /// a million decoded objects between runs.
    @Test func theKeptFileHoldsWrittenRowsAsBytesOnly() async throws {
        for name in ["hr.csv", "hr.jsonl"] {
            let directory = try TemporaryDirectory()
            let initial =
                name.hasSuffix(".csv")
                ? "employeeId,displayName,phones\nE1,Ada,\n" : #"{"employeeId":"E1","displayName":"Ada"}"# + "\n"
            let path = try directory.write(name, initial)
            let connector = try FileTesting.connector(path, ["multiValued": ["phones": ";"]])
            for page in Self.pages { _ = try await connector.export(page) }
            let kept = try #require(connector.exportedFile.take())
            let rows = kept.table.rows.compactMap { $0 }
            #expect(rows.count == 3, "\(name)")
            for row in rows {
                #expect(!row.isDecoded && row.raw != nil, "\(name): row \(row.object.anchor) keeps its values")
                #expect(row.object.attributes.isEmpty, "\(name): row \(row.object.anchor) keeps its values")
            }
            // Each row still reads back with its values from the bytes written.
            let format = connector.settings.fileFormat
            let e4Row = try #require(rows.first { $0.object.anchor == "E4" })
            let e4Bytes = try FileReader(path).bytes(in: try #require(e4Row.raw))
            let e4 = try e4Bytes.withUnsafeBufferPointer { try format.decode($0, line: e4Row.line, in: kept.table) }
            #expect(e4.attributes["phones"] == [.string("+1 9")], "\(name)")
            #expect(e4.attributes["title"] == [.string("Admiral")], "\(name)")
        }
    }

    /// During a JSON Lines export call, a row the call changed is held as the bytes it will be written as, not
    /// as its values; a later change of the same row in the call reads its values back from those bytes.
    @Test func aJSONLinesExportHoldsEachChangedRowAsItsBytes() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.jsonl", #"{"employeeId":"E1","displayName":"Ada"}"# + "\n")
        let connector = try FileTesting.connector(path, ["multiValued": ["phones": ";"]])
        let settings = connector.settings
        let format = settings.fileFormat
        let reader = try FileReader(path)
        var table = try format.read(try reader.readAll(), decodingValues: false)
        table.dropSource()
        let changes: [ObjectChange] = [
            .add(FileTesting.person("E4", ["title": [.string("Admiral")]])),
            .update(anchor: "E4", objectType: "person", changes: [.add("phones", [.string("+1 9")])]),
            .update(anchor: "E1", objectType: "person", changes: [.replace("title", [.string("Countess")])]),
        ]
        for change in changes {
            #expect(
                try table.apply(change, settings: settings, format: format, file: reader)
                    == .applied(anchor: change.anchor))
        }
        for anchor: Anchor in ["E1", "E4"] {
            let position = try #require(table.index[anchor])
            let row = try #require(table.rows[position])
            #expect(row.object.attributes.isEmpty && !row.isDecoded, "row \(anchor) holds its values")
            #expect(row.formatted == format.formattedRow(try Self.decoded(row, format, table)), "row \(anchor)")
        }
        let e4 = try Self.decoded(try #require(table.rows[1]), format, table)
        #expect(
            e4.attributes == [
                "employeeId": [.string("E4")], "title": [.string("Admiral")], "phones": [.string("+1 9")],
            ])

        // The same changes as one call write exactly these lines.
        _ = try await connector.export(changes)
        #expect(
            try directory.read("hr.jsonl")
                == #"{"employeeId":"E1","displayName":"Ada","title":"Countess"}"# + "\n"
                + #"{"employeeId":"E4","phones":["+1 9"],"title":"Admiral"}"# + "\n")
    }

    static func decoded(_ row: FileTable.Row, _ format: any FileFormat, _ table: FileTable) throws -> ConnectorObject {
        let bytes = try #require(row.formatted)
        return try bytes.withUnsafeBufferPointer { try format.decode($0, line: row.line, in: table) }
    }

    @Test func aFileChangedByAnotherWriterIsReadAgain() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.csv", "employeeId,displayName\nE1,Ada\n")
        let connector = try FileTesting.connector(path)
        _ = try await connector.export([.add(FileTesting.person("E2", ["displayName": [.string("Grace")]]))])
        // Someone else rewrites the file between two export calls.
        try directory.write("hr.csv", "employeeId,displayName\nE1,Ada Lovelace\nE3,Edith\n")
        let results = try await connector.export([
            .update(anchor: "E3", objectType: "person", changes: [.replace("displayName", [.string("Edith C.")])]),
            .update(anchor: "E2", objectType: "person", changes: [.replace("displayName", [.string("G.")])]),
        ])
        #expect(results.first == .applied(anchor: "E3"))
        guard case .failed(let error) = results.last else {
            Issue.record("E2 is no longer in the file, yet its update applied")
            return
        }
        #expect(error.code == .notFound)
        #expect(try directory.read("hr.csv") == "employeeId,displayName\nE1,Ada Lovelace\nE3,Edith C.\n")
    }
}
