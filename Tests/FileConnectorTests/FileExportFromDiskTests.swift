import ConnectorKit
import Foundation
import Testing

@testable import FileConnector

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An export keeps where each row of the file it wrote is, not the file's bytes: it copies the rows it does not
/// change, and reads the rows whose values it needs, from the file on disk, as long as the file still has the
/// version it wrote.
@Suite struct FileExportFromDiskTests {
    static let csv =
        "\u{FEFF}employeeId,displayName,phones\r\n\"E1\",\"Ada\",+44 1\r\nE2,\"Grace\r\nHopper\",\r\n"
        + "E3,Edith,+33 4;+33 5\r\nE4,  Mary  ,\r\n"
    static let jsonl =
        "\u{FEFF}" + #"{"employeeId":"E1", "displayName":"Ada"}"# + "\r\n"
        + #"{ "employeeId" : "E2" }"# + "\r\n" + #"{"employeeId":"E3","phones":["+33 4","+33 5"]}"# + "\r\n"
        + #"{"displayName":"Mary","employeeId":"E4"}"# + "\r\n"

    static func rename(_ anchor: Anchor, _ name: String) -> ObjectChange {
        .update(anchor: anchor, objectType: "person", changes: [.replace("displayName", [.string(name)])])
    }

    @Test(arguments: ["hr.csv", "hr.jsonl"])
    func theKeptTableHoldsNoBytesOfTheFile(name: String) async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(name, name.hasSuffix(".csv") ? Self.csv : Self.jsonl)
        let connector = try FileTesting.connector(path, ["multiValued": ["phones": ";"]])
        // The first call reads the file; the second uses what the first kept.
        for change in [Self.rename("E2", "Grace H."), Self.rename("E4", "Mary S.")] {
            _ = try await connector.export([change])
            let kept = try #require(connector.exportedFile.take())
            #expect(kept.table.source.capacity == 0)
            for case let row? in kept.table.rows {
                #expect(row.raw != nil && row.object.attributes.isEmpty, "row \(row.object.anchor) holds its values")
            }
            connector.exportedFile.store(kept)
        }
    }

    @Test(arguments: ["hr.csv", "hr.jsonl"])
    func aSecondPageCopiesTheUnchangedRowsByteForByte(name: String) async throws {
        let directory = try TemporaryDirectory()
        let initial = name.hasSuffix(".csv") ? Self.csv : Self.jsonl
        let path = try directory.write(name, initial)
        let connector = try FileTesting.connector(path, ["multiValued": ["phones": ";"]])
        #expect(try await connector.export([Self.rename("E1", "Ada L.")]) == [.applied(anchor: "E1")])
        let afterFirst = try directory.read(name)
        #expect(try await connector.export([Self.rename("E4", "Mary S.")]) == [.applied(anchor: "E4")])
        let lines = try directory.read(name).components(separatedBy: "\r\n")
        let before = afterFirst.components(separatedBy: "\r\n")
        #expect(lines.count == before.count)
        // Only the row of E4 differs; the rows before it (E1 as the first page wrote it) are the same bytes.
        let changed = lines.indices.filter { lines[$0] != before[$0] }
        #expect(changed.count == 1 && lines[changed[0]].contains("Mary S."), "\(lines)")
        let unchangedByEither = initial.components(separatedBy: "\r\n").filter {
            !$0.contains("E1") && !$0.contains("E4")
        }
        for line in unchangedByEither { #expect(lines.contains(line), "\(line) was not kept byte for byte") }
    }

    /// The kept table has no bytes to copy from: what the second page writes for unchanged rows is what the file
    /// on disk holds. A change that keeps the file's version (written in place, its modification time put back)
    /// shows it.
    @Test func unchangedRowsComeFromTheFileOnDisk() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.csv", Self.csv)
        let connector = try FileTesting.connector(path, ["multiValued": ["phones": ";"]])
        _ = try await connector.export([Self.rename("E1", "Ada L.")])
        try Self.overwriteKeepingVersion(path, "Edith", with: "EDITH")
        _ = try await connector.export([Self.rename("E4", "Mary S.")])
        #expect(try directory.read("hr.csv").contains("E3,EDITH,+33 4;+33 5\r\n"))
    }

    @Test func anUpdateOfARowNotChangedBeforeReadsItsValuesFromTheDisk() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.csv", Self.csv)
        let connector = try FileTesting.connector(path, ["multiValued": ["phones": ";"]])
        _ = try await connector.export([Self.rename("E1", "Ada L.")])
        try Self.overwriteKeepingVersion(path, "+33 4", with: "+33 7")
        let add = ObjectChange.update(anchor: "E3", objectType: "person", changes: [.add("phones", [.string("+33 6")])])
        #expect(try await connector.export([add]) == [.applied(anchor: "E3")])
        #expect(try directory.read("hr.csv").contains("E3,Edith,+33 7;+33 5;+33 6\r\n"))
        // A connector that kept nothing reads the file and lets its bytes go before it applies the changes.
        let fresh = try FileTesting.connector(path, ["multiValued": ["phones": ";"]])
        let remove = ObjectChange.update(
            anchor: "E3", objectType: "person", changes: [.remove("phones", [.string("+33 5")])])
        #expect(try await fresh.export([remove]) == [.applied(anchor: "E3")])
        #expect(try directory.read("hr.csv").contains("E3,Edith,+33 7;+33 6\r\n"))
    }

    /// Another writer rewrites the file in place between two calls, to the same size: its modification time
    /// differs, so the second call reads the file again rather than copy rows from a file it no longer knows.
    @Test func aFileRewrittenInPlaceBetweenTwoCallsIsReadAgain() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.jsonl", Self.jsonl)
        let connector = try FileTesting.connector(path, ["multiValued": ["phones": ";"]])
        _ = try await connector.export([Self.rename("E1", "Ada L.")])
        let written = try directory.read("hr.jsonl")
        #expect(written.contains(#"{ "employeeId" : "E2" }"#))
        let rewritten = written.replacingOccurrences(of: #"{ "employeeId" : "E2" }"#, with: #"{"employeeId":"E9"}    "#)
        try Self.overwrite(path, with: rewritten, modified: 1_000_000_000)
        let results = try await connector.export([Self.rename("E9", "Nine"), Self.rename("E2", "Two")])
        #expect(results.first == .applied(anchor: "E9"))
        guard case .failed(let error) = results.last else {
            Issue.record("E2 is no longer in the file, yet its update applied")
            return
        }
        #expect(error.code == .notFound)
        #expect(try directory.read("hr.jsonl").contains(#"{"employeeId":"E9","displayName":"Nine"}"# + "\r\n"))
    }

    /// A file larger than the buffers the export copies through, changed here and there, with a column added
    /// (so every unchanged row is copied on its own, followed by the padding): the file written must be the one
    /// expected, and a connector reading it afresh must agree.
    @Test func aLargeFileIsCopiedThroughTheBuffersExactly() async throws {
        let directory = try TemporaryDirectory()
        let count = 40_000
        func row(_ number: Int, _ name: String) -> String {
            "E\(number),\(name) \(String(repeating: "x", count: number % 300)),+1 \(number)"
        }
        var lines = ["employeeId,displayName,phones"] + (0..<count).map { row($0, "Name") }
        let path = try directory.write("hr.csv", lines.joined(separator: "\n") + "\n")
        let connector = try FileTesting.connector(path, ["multiValued": ["phones": ";"]])
        var changes: [ObjectChange] = []
        for number in stride(from: 5, to: count, by: 997) {
            changes.append(Self.rename(Anchor("E\(number)"), "Renamed"))
            lines[number + 1] = "E\(number),Renamed,+1 \(number)"
        }
        #expect(try await connector.export(changes).allSatisfy { if case .applied = $0 { true } else { false } })
        #expect(try directory.read("hr.csv") == lines.joined(separator: "\n") + "\n")
        // A new column pads every unchanged row; a delete and an add change the rows' places.
        let title = ObjectChange.update(anchor: "E7", objectType: "person", changes: [.add("title", [.string("T")])])
        _ = try await connector.export([title, .delete(anchor: "E8", objectType: "person")])
        lines[0] += ",title"
        for index in 1..<lines.count { lines[index] += index == 8 ? ",T" : "," }
        lines.remove(at: 9)
        #expect(try directory.read("hr.csv") == lines.joined(separator: "\n") + "\n")
        _ = try await connector.export([Self.rename("E39999", "Last")])
        lines[lines.count - 1] = "E39999,Last,+1 39999,"
        #expect(try directory.read("hr.csv") == lines.joined(separator: "\n") + "\n")
    }

    /// Writes `text` over the file in place (same inode) and sets its modification time to `modified` seconds.
    static func overwrite(_ path: String, with text: String, modified: Int) throws {
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        try #require(pwrite(descriptor, bytes, bytes.count, 0) == bytes.count)
        try #require(ftruncate(descriptor, off_t(bytes.count)) == 0)
        var times = [timespec(tv_sec: modified, tv_nsec: 0), timespec(tv_sec: modified, tv_nsec: 0)]
        try #require(futimens(descriptor, &times) == 0)
    }

    /// Replaces the first `text` in the file by `replacement` (as long) in place, and gives the file back its
    /// modification time: its version (device, inode, size, modification time) is the same.
    static func overwriteKeepingVersion(_ path: String, _ text: String, with replacement: String) throws {
        try #require(text.utf8.count == replacement.utf8.count)
        var info = stat()
        try #require(stat(path, &info) == 0)
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let target = Array(text.utf8)
        let offset = try #require(
            (0...bytes.count - target.count).first { bytes[$0..<$0 + target.count].elementsEqual(target) })
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        try #require(pwrite(descriptor, Array(replacement.utf8), target.count, off_t(offset)) == target.count)
        var times = [info.st_atim, info.st_mtim]
        try #require(futimens(descriptor, &times) == 0)
        var after = stat()
        try #require(stat(path, &after) == 0)
        try #require(FileStorage.Version(after) == FileStorage.Version(info))
    }
}
