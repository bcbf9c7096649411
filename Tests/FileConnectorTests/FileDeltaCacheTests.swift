import ConnectorKit
import ConnectorKitTesting
import Testing

@testable import FileConnector

/// A connector that imported a file remembers its rows, and its next delta import reads only the rows whose
/// bytes changed. Its result must be exactly what a fresh connector (which reads and compares the whole file)
/// returns, for every kind of edit.
@Suite struct FileDeltaCacheTests {
    /// What an import returned, or the message of the error it threw.
    enum Outcome: Equatable {
        case batches([ImportBatch])
        case error(String)
    }

    /// Imports `before` fully with one connector, then delta-imports `after` with it and with a fresh one.
    func compare(
        _ name: String, _ before: String, _ after: String, _ settings: [String: ConfigurationValue] = [:]
    ) async throws -> (cached: Outcome, fresh: Outcome) {
        let directory = try TemporaryDirectory()
        let path = try directory.write(name, before)
        let cached = try FileTesting.connector(path, settings)
        let full = try await FileTesting.batches(cached)
        var space = InMemoryConnectorSpace()
        try space.apply(full)
        let watermark = try #require(full.last?.watermark)
        _ = try directory.write(name, after)
        func outcome(_ connector: FileConnector) async -> Outcome {
            do {
                return .batches(try await FileTesting.batches(connector, .delta(watermark), space: space))
            } catch {
                return .error((error as? ConnectorError)?.message ?? "\(error)")
            }
        }
        return (await outcome(cached), await outcome(try FileTesting.connector(path, settings)))
    }

    static let csv = """
        employeeId,name,phones,note\r
        E1,Ada,1;2,"says ""hi"", twice"\r
        E2,Grace,,"two\r
        lines"\r
        E3,Edith,3,\r
        E4,Hedy,,plain\r

        """

    @Test(arguments: [
        // One row changed, one deleted, one added, one moved (same bytes elsewhere).
        "employeeId,name,phones,note\r\nE3,Edith,3,\r\nE1,Ada,1;2,\"says \"\"hi\"\", twice\"\r\nE2,Grace,,\"two\r\nlines, now three\"\r\nE5,Mary,,\r\n",
        // Multi-values reordered only: no change.
        "employeeId,name,phones,note\r\nE1,Ada,2;1,\"says \"\"hi\"\", twice\"\r\nE2,Grace,,\"two\r\nlines\"\r\nE3,Edith,3,\r\nE4,Hedy,,plain\r\n",
        // A new column: every row must be read again.
        "employeeId,name,phones,note,title\r\nE1,Ada,1;2,x,Dr\r\nE2,Grace,,,\r\n",
        // Everything deleted.
        "employeeId,name,phones,note\r\n",
        // A changed row takes an unchanged row's anchor: the whole file is read and the error names the line.
        "employeeId,name,phones,note\r\nE1,Ada,1;2,\"says \"\"hi\"\", twice\"\r\nE1,Impostor,,\r\n",
        // The same row twice.
        "employeeId,name,phones,note\r\nE3,Edith,3,\r\nE3,Edith,3,\r\n",
        // A syntax error in a changed row.
        "employeeId,name,phones,note\r\nE3,Edith,3,\"unclosed\r\n",
    ])
    func csvDeltaFromRememberedRowsEqualsAFullComparison(after: String) async throws {
        let settings: [String: ConfigurationValue] = ["multiValued": ["phones": ";"]]
        let (cached, fresh) = try await compare("hr.csv", Self.csv, after, settings)
        #expect(cached == fresh)
    }

    @Test func jsonLinesDeltaFromRememberedRowsEqualsAFullComparison() async throws {
        let before = (1...50).map { #"{"employeeId":"E\#($0)","n":\#($0)}"# }.joined(separator: "\n") + "\n"
        var lines = before.split(separator: "\n").map(String.init)
        lines[3] = #"{"employeeId":"E4","n":400}"#
        lines.remove(at: 10)
        lines.insert("   ", at: 5)
        lines.append(#"{"employeeId":"E99","n":99}"#)
        let (cached, fresh) = try await compare("hr.jsonl", before, lines.joined(separator: "\r\n") + "\r\n")
        #expect(cached == fresh)
        guard case .batches(let batches) = cached else {
            Issue.record("the delta failed: \(cached)")
            return
        }
        #expect(batches.flatMap(\.items).count == 3)
    }

    @Test func aSecondDeltaStartsFromTheFirstDeltasRows() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.csv", "employeeId,name\nE1,Ada\nE2,Grace\n")
        let connector = try FileTesting.connector(path)
        var space = InMemoryConnectorSpace()
        let full = try await FileTesting.batches(connector)
        try space.apply(full)
        _ = try directory.write("hr.csv", "employeeId,name\nE1,Ada L.\nE2,Grace\n")
        let first = try await FileTesting.batches(connector, .delta(try #require(full.last?.watermark)), space: space)
        try space.apply(first)
        _ = try directory.write("hr.csv", "employeeId,name\nE2,Grace H.\nE1,Ada L.\n")
        let second = try await FileTesting.batches(
            connector, .delta(try #require(first.last?.watermark)), space: space)
        #expect(connector.importedRows.deltasFromRememberedRows.load(ordering: .relaxed) == 2)
        #expect(
            second.flatMap(\.items) == [
                .object(FileTesting.person("E2", ["employeeId": [.string("E2")], "name": [.string("Grace H.")]]))
            ])
    }
}
