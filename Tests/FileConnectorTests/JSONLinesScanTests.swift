import ConnectorKit
import ConnectorKitTesting
import Foundation
import Testing

@testable import FileConnector

/// An import scans a JSON Lines file a chunk at a time instead of holding it: whatever the chunks, the scan
/// finds what reading the whole file finds, and a file changed in place while its pages are read fails the
/// import instead of mixing two versions.
@Suite struct JSONLinesScanTests {
    static let long = String(repeating: "x", count: 300)

    static let texts: [String] = [
        "",
        "\n\n",
        #"{"employeeId":"E1"}"#,
        "\u{FEFF}{\"employeeId\":\"E1\",\"name\":\"Ä\u{1F600}\"}\r\n\r\n  \t\r\n{\"employeeId\":\"E2\"}\r\n",
        (1...40).map { #"{"employeeId":"E\#($0)","note":"\#($0 % 7 == 0 ? long : "é")"}"# + "\n" }.joined()
            + "\n  \n" + #"{"employeeId":"E41","hired":"2026-11-25"}"#,
    ]

    static let chunkSizes = [1, 7, 64, 1 << 20]

    static func format(_ path: String) throws -> JSONLinesFormat {
        JSONLinesFormat(
            settings: try FileConnectorSettings(FileTesting.configuration(path, ["types": ["hired": "date"]])))
    }

    @Test(arguments: 0..<texts.count, chunkSizes)
    func aScanFindsWhatReadingTheWholeFileFinds(text: Int, chunkBytes: Int) throws {
        let directory = try TemporaryDirectory()
        let bytes = Array(Self.texts[text].utf8)
        let path = try directory.write("hr.jsonl", bytes: bytes)
        let format = try Self.format(path)
        let scanned = try format.scan(try FileReader(path), chunkBytes: chunkBytes)
        let whole = try format.read(bytes, decodingValues: false)

        #expect(scanned.table.source.isEmpty)
        #expect(scanned.table.rows.map { $0?.object.anchor } == whole.rows.map { $0?.object.anchor })
        #expect(scanned.table.rows.map { $0?.line } == whole.rows.map { $0?.line })
        #expect(scanned.table.rows.map { $0?.raw } == whole.rows.map { $0?.raw })
        #expect(scanned.table.index == whole.index)
        #expect(scanned.table.hasByteOrderMark == whole.hasByteOrderMark)
        #expect(scanned.table.lineEnding == whole.lineEnding)
        let keys = bytes.withUnsafeBufferPointer { buffer in
            format.rowRanges(buffer)!.rows.map { RowHash.hash(UnsafeBufferPointer(rebasing: buffer[$0])) }
        }
        #expect(scanned.keys == keys)
        #expect(scanned.watermark == FileImport.watermark(of: bytes, settings: format.settings))
    }

    static let problems: [[UInt8]] = [
        // Invalid UTF-8 on line 4.
        Array((1...3).map { #"{"employeeId":"E\#($0)"}"# + "\n" }.joined().utf8) + [0x7B, 0xC3, 0x28, 0x7D, 0x0A],
        // A syntax error on line 3, after a line longer than the smaller chunks.
        Array((#"{"employeeId":"E1","note":"\#(long)"}"# + "\n\n" + #"{"employeeId":"E2",}"# + "\n").utf8),
        // An anchor used twice.
        Array((#"{"employeeId":"E1"}"# + "\n" + #"{"employeeId":"E1"}"#).utf8),
    ]

    @Test(arguments: 0..<problems.count, chunkSizes)
    func aScanReportsAProblemAsReadingTheWholeFileDoes(problem: Int, chunkBytes: Int) throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.jsonl", bytes: Self.problems[problem])
        let format = try Self.format(path)
        let whole = #expect(throws: ConnectorError.self) {
            try format.read(Self.problems[problem], decodingValues: false)
        }
        let scanned = #expect(throws: ConnectorError.self) {
            try format.scan(try FileReader(path), chunkBytes: chunkBytes)
        }
        #expect(scanned == whole)
    }

    /// Five rows, two to a page: the first page is imported, then the file changes.
    static func importAfterTheFirstPage(_ change: (TemporaryDirectory, String) throws -> Void) async throws
        -> (batches: [ImportBatch], error: ConnectorError?)
    {
        let directory = try TemporaryDirectory()
        let rows = (1...5).map { #"{"employeeId":"E\#($0)","level":\#($0)}"# + "\n" }.joined()
        let path = try directory.write("hr.jsonl", rows)
        let connector = try FileTesting.connector(path, ["pageSize": 2])
        var batches: [ImportBatch] = []
        do {
            let request = ImportRequest(mode: .full, connectorSpace: InMemoryConnectorSpace())
            for try await batch in connector.importObjects(request) {
                if batches.isEmpty { try change(directory, path) }
                batches.append(batch)
            }
        } catch {
            return (batches, error as? ConnectorError)
        }
        return (batches, nil)
    }

    @Test func aFileChangedInPlaceWhileItsPagesAreReadFailsTheImportAsTransient() async throws {
        let (batches, error) = try await Self.importAfterTheFirstPage { _, path in
            // Same length, other values: only the file's version tells.
            let handle = try #require(FileHandle(forWritingAtPath: path))
            try handle.seek(toOffset: 0)
            try handle.write(contentsOf: Array(#"{"employeeId":"E1","level":9}"#.utf8))
            try handle.close()
            // A modification time in the same tick as the scan's would hide the write.
            var times = [timespec(tv_sec: 1, tv_nsec: 0), timespec(tv_sec: 1, tv_nsec: 0)]
            #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        }
        #expect(batches.allSatisfy { $0.watermark == nil })
        #expect(error?.code == .transient)
        #expect(error?.message.contains("changed while it was read") == true, "\(error?.message ?? "")")
    }

    @Test func aFileReplacedWhileItsPagesAreReadImportsTheVersionOpened() async throws {
        let (batches, error) = try await Self.importAfterTheFirstPage { directory, _ in
            // Written to a new file and renamed over the old one, as Tandem's export and most tools write.
            let replacement = try directory.write("new.jsonl", #"{"employeeId":"E9","level":9}"# + "\n")
            #expect(rename(replacement, directory.file("hr.jsonl")) == 0)
        }
        #expect(error == nil)
        let anchors = batches.flatMap(\.items).compactMap { item -> Anchor? in
            guard case .object(let object) = item else { return nil }
            return object.anchor
        }
        #expect(anchors == ["E1", "E2", "E3", "E4", "E5"])
        #expect(batches.last?.watermark != nil)
    }
}
