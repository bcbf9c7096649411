import Foundation
import TandemJournal
import Testing

/// The `tandem journal` commands, run as a separate process: exit codes, output and messages are API.
@Suite struct JournalCommandTests {
    /// A journal of `count` small events in several segments.
    private func makeJournal(_ count: Int = 300) async throws -> TemporaryDirectory {
        let directory = TemporaryDirectory()
        var options = JournalOptions()
        options.segmentSizeBytes = 4096
        options.maxFrameEvents = 10
        options.logger.logLevel = .warning
        let journal = try Journal.open(directory: directory.path, options: options)
        for start in stride(from: 0, to: count, by: 10) {
            try await journal.append(
                contentsOf: (start..<start + 10).map {
                    JournalEvent(
                        type: 3, timeMicroseconds: 1_767_225_600_000_000 + Int64($0) * 1_000_000,
                        payload: Array("{\"anchor\":\"E\($0)\",\"mail\":\"user\($0)@example.org\"}".utf8))
                })
        }
        await journal.close()
        return directory
    }

    @Test func verifyASoundJournalExitsZero() async throws {
        let directory = try await makeJournal()
        let result = try await TandemProcess.run(["journal", "verify", directory.path])
        #expect(result.status == 0)
        #expect(result.lines.last == "sound")
        #expect(
            result.lines.first
                == "\(directory.path): \(directory.segments.count) segment(s), 30 frame(s), 300 event(s), seq 1–300")
    }

    @Test func verifyATornTailExitsThreeAndNamesIt() async throws {
        let directory = try await makeJournal()
        let last = try #require(directory.segments.last)
        let handle = try #require(FileHandle(forWritingAtPath: directory.file(last)))
        let end = try handle.seekToEnd()
        handle.write(Data([0x54, 0x46, 0x52, 0x4D, 0x10, 0x00]))
        try handle.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: directory.file(last)))
        let result = try await TandemProcess.run(["journal", "verify", directory.path])
        #expect(result.status == 3)
        #expect(
            result.lines.contains(
                "torn tail: segment \(last), offset \(end), seq 301: the file ends 6 bytes into a frame"))
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: directory.file(last))) == before, "verify modified the journal")

        let repair = try await TandemProcess.run(["journal", "repair", directory.path, "--truncate-torn-tail"])
        #expect(repair.status == 0, "\(repair.stderr)")
        #expect(
            repair.lines.first
                == "repaired torn tail: segment \(last), offset \(end), seq 301: the file ends 6 bytes into a frame")
        #expect(try await TandemProcess.run(["journal", "verify", directory.path]).status == 0)
        let again = try await TandemProcess.run(["journal", "repair", directory.path, "--truncate-torn-tail"])
        #expect(again.lines == ["nothing to repair: the journal has no torn tail"])
    }

    @Test func verifyCorruptionExitsFourAndRepairRefuses() async throws {
        let directory = try await makeJournal()
        let first = try #require(directory.segments.first)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory.file(first))))
        bytes[100] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: directory.file(first)))
        let result = try await TandemProcess.run(["journal", "verify", directory.path])
        #expect(result.status == 4)
        let finding = try #require(
            result.lines.first {
                $0.hasPrefix("corruption: segment \(first), offset 64, seq 1: frame fails its checksum")
            })
        #expect(finding.hasSuffix("later segments exist, so this is not a torn tail"))
        let repair = try await TandemProcess.run(["journal", "repair", directory.path, "--truncate-torn-tail"])
        #expect(repair.status == 4)
        #expect(repair.stderr.hasPrefix("error: segment \(first), offset 64, seq 1: frame fails its checksum"))
        #expect(
            repair.stderr.contains(
                "the journal cannot be opened for writing; run 'tandem journal verify \(directory.path)'"))
    }

    @Test func errorsNameWhatWasWrong() async throws {
        let missing = try await TandemProcess.run(["journal", "verify", "/nonexistent/journal"])
        #expect(missing.status == 2)
        #expect(missing.stderr == "error: journal directory /nonexistent/journal does not exist\n")
        let usage = try await TandemProcess.run(["journal", "repair", "/tmp"])
        #expect(usage.status == 64)
        #expect(usage.stderr.contains("say which repair to make: --truncate-torn-tail"))
        let range = try await TandemProcess.run(["journal", "inspect", "/tmp", "--from", "9", "--to", "3"])
        #expect(range.status == 64)
        #expect(range.stderr.contains("--to 3 is before --from 9"))
    }

    @Test func inspectPrintsOneLinePerEvent() async throws {
        let directory = try await makeJournal()
        let text = try await TandemProcess.run(["journal", "inspect", directory.path, "--from", "41", "--to", "43"])
        #expect(text.status == 0)
        #expect(
            text.lines == [
                "41\t1\t2026-01-01T00:00:40.000000Z\ttype=3\t44B\t{\"anchor\":\"E40\",\"mail\":\"user40@example.org\"}",
                "42\t1\t2026-01-01T00:00:41.000000Z\ttype=3\t44B\t{\"anchor\":\"E41\",\"mail\":\"user41@example.org\"}",
                "43\t1\t2026-01-01T00:00:42.000000Z\ttype=3\t44B\t{\"anchor\":\"E42\",\"mail\":\"user42@example.org\"}",
            ])
        let json = try await TandemProcess.run(["journal", "inspect", directory.path, "--from", "299", "--json"])
        #expect(json.lines.count == 2)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.lines[1].utf8)) as? [String: Any])
        #expect(object["seq"] as? Int == 300)
        #expect(object["epoch"] as? Int == 1)
        #expect(object["type"] as? Int == 3)
        #expect(object["size"] as? Int == 46)
        #expect(object["encoding"] as? String == "utf8")
        #expect(object["payload"] as? String == "{\"anchor\":\"E299\",\"mail\":\"user299@example.org\"}")
        #expect(object["time"] as? String == "2026-01-01T00:04:59.000000Z")
    }

    @Test func statsReportsSizesAndRatio() async throws {
        let directory = try await makeJournal()
        let result = try await TandemProcess.run(["journal", "stats", directory.path, "--json"])
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["events"] as? Int == 300)
        #expect(object["frames"] as? Int == 30)
        #expect(object["segments"] as? Int == directory.segments.count)
        #expect(object["firstSeq"] as? Int == 1)
        #expect(object["lastSeq"] as? Int == 300)
        var expectedRaw = 0
        for i in 0..<300 { expectedRaw += 40 + String(i).count * 2 }
        // Raw bytes are the inflated frame payloads: the events plus a few bytes of framing each.
        let rawBytes = try #require(object["rawBytes"] as? Int)
        #expect(rawBytes > expectedRaw && rawBytes <= expectedRaw + 300 * 8)
        #expect((object["compressionRatio"] as? Double ?? 0) > 1)
        let text = try await TandemProcess.run(["journal", "stats", directory.path])
        #expect(text.lines.contains("events:      300"))
    }

    @Test func helpIsUseful() async throws {
        let help = try await TandemProcess.run(["journal", "verify", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("Exit status: 0 the journal is sound; 3 only a torn tail"))
        let top = try await TandemProcess.run(["--help"])
        #expect(top.stdout.contains("demo"))
        #expect(top.stdout.contains("cycle"))
        #expect(top.stdout.contains("journal"))
        #expect(!top.stdout.contains("torture"))
    }

    @Test func theJournalTourRunsWithoutAServer() async throws {
        let directory = TemporaryDirectory("tour")
        let result = try await TandemProcess.run(["journal", "tour", "--dir", directory.path, "--people", "2000"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("verdict: torn tail"))
        #expect(result.stdout.contains("last seq 2064 (was 2064); verify: sound"))
        #expect(try await TandemProcess.run(["journal", "verify", directory.file("journal")]).status == 0)
        // Running it again replaces the previous tour's journal.
        #expect(
            try await TandemProcess.run(["journal", "tour", "--dir", directory.path, "--people", "10"]).status == 0)
    }
}
