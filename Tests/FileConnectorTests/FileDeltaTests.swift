import ConnectorKit
import ConnectorKitTesting
import FileConnector
import Testing

@Suite struct FileDeltaTests {
    /// Runs a full import and returns the connector space it builds and its watermark.
    func fullImport(_ connector: FileConnector) async throws -> (InMemoryConnectorSpace, Watermark) {
        let batches = try await FileTesting.batches(connector)
        var space = InMemoryConnectorSpace()
        try space.apply(batches)
        return (space, try #require(batches.last?.watermark))
    }

    @Test func deltaDetectsAddsUpdatesAndDeletes() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.csv", "employeeId,name,phones\nE1,Ada,1;2\nE2,Grace,\nE3,Edith,\n")
        let connector = try FileTesting.connector(path, ["multiValued": ["phones": ";"]])
        let (space, watermark) = try await fullImport(connector)

        // Someone edits the file: reorders E1's phones (no change), renames E2, removes E3, adds E4.
        try directory.write("hr.csv", "employeeId,name,phones\nE4,Hedy,\nE1,Ada,2;1\nE2,Grace Hopper,\n")
        let batches = try await FileTesting.batches(connector, .delta(watermark), space: space)
        #expect(
            batches.flatMap(\.items) == [
                .object(FileTesting.person("E4", ["employeeId": [.string("E4")], "name": [.string("Hedy")]])),
                .object(FileTesting.person("E2", ["employeeId": [.string("E2")], "name": [.string("Grace Hopper")]])),
                .change(.delete(anchor: "E3", objectType: "person")),
            ])
        #expect(batches.last?.isComplete == false)
        #expect(batches.last?.watermark != watermark)
    }

    @Test func unchangedFileReturnsNothingAndTheSameWatermark() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.jsonl", "{\"employeeId\":\"E1\"}\n")
        let connector = try FileTesting.connector(path)
        let (_, watermark) = try await fullImport(connector)
        // Even against an empty connector space: the watermark says the file has not changed.
        let batches = try await FileTesting.batches(connector, .delta(watermark))
        #expect(batches == [ImportBatch(items: [], watermark: watermark)])
    }

    @Test func aForeignWatermarkFallsBackToTheDifference() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.csv", "employeeId\nE1\n")
        let connector = try FileTesting.connector(path)
        let (space, _) = try await fullImport(connector)
        let batches = try await FileTesting.batches(connector, .delta(Watermark("mem:7")), space: space)
        #expect(batches.flatMap(\.items).isEmpty)
        #expect(batches.last?.watermark?.value.hasPrefix("file:v1:") == true)
    }

    @Test func watermarkDependsOnTheSettingsThatShapeReading() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.csv", "employeeId,phones\nE1,1;2\n")
        let (_, plain) = try await fullImport(FileTesting.connector(path))
        let (_, multi) = try await fullImport(FileTesting.connector(path, ["multiValued": ["phones": ";"]]))
        let (_, again) = try await fullImport(FileTesting.connector(path, ["pageSize": 5]))
        #expect(plain != multi)
        #expect(plain == again)
    }

    @Test func importsArePagedWithTheWatermarkOnTheLastBatch() async throws {
        let directory = try TemporaryDirectory()
        let rows = (1...5).map { "E\($0)" }.joined(separator: "\n")
        let path = try directory.write("hr.csv", "employeeId\n\(rows)\n")
        let batches = try await FileTesting.batches(FileTesting.connector(path, ["pageSize": 2]))
        #expect(batches.map(\.items.count) == [2, 2, 1])
        #expect(batches.map { $0.watermark != nil } == [false, false, true])
        #expect(batches.map(\.isComplete) == [false, false, true])
    }
}
