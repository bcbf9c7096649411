import ConnectorKit
import ConnectorKitTesting
import Testing

@testable import FileConnector

/// An import decodes a page of rows each time the engine asks for a batch, so a large file is never held as
/// objects all at once; a value that does not decode fails the import at its page, naming its line in the file.
@Suite struct FileImportPagingTests {
    static let settings: [String: ConfigurationValue] = ["types": ["level": "integer"], "pageSize": 2]

    static func rows(_ levels: [String]) -> String {
        "employeeId,level\n" + levels.enumerated().map { "E\($0.offset + 1),\($0.element)\n" }.joined()
    }

    /// Five rows in `hr.csv`, fully imported into a space: the start of every delta below.
    static func fullyImported() async throws -> (
        directory: TemporaryDirectory, path: String, connector: FileConnector, space: InMemoryConnectorSpace,
        full: [ImportBatch]
    ) {
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.csv", rows(["1", "2", "3", "4", "5"]))
        let connector = try FileTesting.connector(path, settings)
        var space = InMemoryConnectorSpace()
        let full = try await FileTesting.batches(connector)
        try space.apply(full)
        return (directory, path, connector, space, full)
    }

    @Test func batchesComeBeforeTheRowThatFailsToDecode() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.csv", Self.rows(["1", "2", "3", "4", "five"]))
        let connector = try FileTesting.connector(path, Self.settings)
        var received: [ImportBatch] = []
        var failure: ConnectorError?
        do {
            let request = ImportRequest(mode: .full, connectorSpace: InMemoryConnectorSpace())
            for try await batch in connector.importObjects(request) { received.append(batch) }
        } catch {
            failure = error as? ConnectorError
        }
        #expect(received.map(\.items.count) == [2, 2])
        #expect(received.allSatisfy { $0.watermark == nil })
        let error = try #require(failure)
        #expect(error.message.contains("hr.csv:6"), "\(error.message)")
        // Nothing is remembered from a failed import: a delta from it cannot be taken for one from rows.
        #expect(connector.importedRows.take(for: Watermark("anything")) == nil)
    }

    @Test func aFailedDeltaOfChangedRowsNamesTheLineAndLeavesTheRememberedRowsUnused() async throws {
        let (directory, path, connector, space, full) = try await Self.fullyImported()
        let watermark = try #require(full.last?.watermark)

        // Only the fourth row changed, and its value is not an integer: the line is the file's, not the
        // line among the changed rows.
        _ = try directory.write("hr.csv", Self.rows(["1", "2", "3", "four", "5"]))
        let error = await #expect(throws: ConnectorError.self) {
            _ = try await FileTesting.batches(connector, .delta(watermark), space: space)
        }
        #expect(error?.message.contains("hr.csv:5") == true, "\(error?.message ?? "")")
        #expect(connector.importedRows.deltasFromRememberedRows.load(ordering: .relaxed) == 1)

        // Mended, the delta from the same watermark reads the whole file (the rows the failed delta took are
        // gone) and is what a fresh connector returns.
        _ = try directory.write("hr.csv", Self.rows(["1", "2", "3", "40", "5"]))
        let again = try await FileTesting.batches(connector, .delta(watermark), space: space)
        let fresh = try await FileTesting.batches(
            try FileTesting.connector(path, Self.settings), .delta(watermark), space: space)
        #expect(again == fresh)
        #expect(connector.importedRows.deltasFromRememberedRows.load(ordering: .relaxed) == 1)
        #expect(again.flatMap(\.items).count == 1)
    }

    /// When most of a large file changed, a delta reads every row rather than copy the changed ones out of the
    /// file; a few changed rows of the same file are still read alone. Either way it is what a fresh connector
    /// returns.
    @Test func aDeltaOfMostOfALargeFileReadsEveryRow() async throws {
        let count = 120_000
        let padding = String(repeating: "x", count: 160)
        func file(_ level: (Int) -> Int) -> String {
            "employeeId,level,note\n" + (1...count).map { "E\($0),\(level($0)),\(padding)\n" }.joined()
        }
        let directory = try TemporaryDirectory()
        let original = file { $0 }
        #expect(original.utf8.count > FileImport.largestChangedRowsCopy)
        let path = try directory.write("hr.csv", original)
        let settings: [String: ConfigurationValue] = ["types": ["level": "integer"]]
        let connector = try FileTesting.connector(path, settings)
        var space = InMemoryConnectorSpace()
        let full = try await FileTesting.batches(connector)
        try space.apply(full)

        // Every row but the first ten changes.
        _ = try directory.write("hr.csv", file { $0 <= 10 ? $0 : $0 + 1 })
        let most = try await FileTesting.batches(connector, .delta(try #require(full.last?.watermark)), space: space)
        let fresh = try await FileTesting.batches(
            try FileTesting.connector(path, settings), .delta(try #require(full.last?.watermark)), space: space)
        #expect(most == fresh)
        #expect(most.flatMap(\.items).count == count - 10)
        #expect(connector.importedRows.deltasFromRememberedRows.load(ordering: .relaxed) == 0)

        // The rows of that read are remembered: a delta of three changed rows reads only them.
        try space.apply(most)
        _ = try directory.write("hr.csv", file { $0 <= 10 ? $0 : $0 == 500 || $0 == 9_000 || $0 == count ? 0 : $0 + 1 })
        let few = try await FileTesting.batches(connector, .delta(try #require(most.last?.watermark)), space: space)
        let changed = few.flatMap(\.items).map { item -> Anchor? in
            guard case .object(let object) = item else { return nil }
            return object.anchor
        }
        #expect(changed == [Anchor("E500"), Anchor("E9000"), Anchor("E\(count)")])
        #expect(connector.importedRows.deltasFromRememberedRows.load(ordering: .relaxed) == 1)
    }

    @Test func aFileRewrittenDuringADeltaFailsItAsTransient() async throws {
        let (directory, _, connector, space, full) = try await Self.fullyImported()
        // Every row changes and the last one's value is bad; the file is mended after the first page.
        _ = try directory.write("hr.csv", Self.rows(["10", "20", "30", "40", "fifty"]))
        let request = ImportRequest(mode: .delta(try #require(full.last?.watermark)), connectorSpace: space)
        var pages = 0
        let error = await #expect(throws: ConnectorError.self) {
            for try await _ in connector.importObjects(request) {
                pages += 1
                _ = try directory.write("hr.csv", Self.rows(["10", "20", "30", "40", "50"]))
            }
        }
        #expect(pages == 2)
        #expect(error?.code == .transient)
        #expect(error?.message.contains("changed while it was being imported") == true, "\(error?.message ?? "")")
    }

    @Test func aDeltaOfManyChangedRowsComesInPagesWithTheDeletesLast() async throws {
        let (directory, _, connector, space, full) = try await Self.fullyImported()
        #expect(full.map(\.items.count) == [2, 2, 1])
        // Rows 1-3 change, rows 4 and 5 leave: three objects, then two deletes, two to a page.
        _ = try directory.write("hr.csv", Self.rows(["10", "20", "30"]))
        let delta = try await FileTesting.batches(connector, .delta(try #require(full.last?.watermark)), space: space)
        #expect(connector.importedRows.deltasFromRememberedRows.load(ordering: .relaxed) == 1)
        #expect(delta.map(\.items.count) == [2, 2, 1])
        #expect(delta.dropLast().allSatisfy { $0.watermark == nil } && delta.last?.watermark != nil)
        #expect(
            delta.flatMap(\.items).suffix(2) == [
                .change(.delete(anchor: "E4", objectType: "person")),
                .change(.delete(anchor: "E5", objectType: "person")),
            ])
    }
}
