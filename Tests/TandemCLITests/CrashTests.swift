import Foundation
import TandemJournal
import TandemTestSupport
import Testing

@testable import TandemCLI

/// A writer process is killed with SIGKILL at random moments, many times; after each kill every
/// event it acknowledged must be in the journal, and the journal must open cleanly.
@Suite struct CrashTests {
    private struct Acknowledgment {
        var first: UInt64
        var last: UInt64
        var tag: String
    }

    private func acknowledgments(in path: String) -> [Acknowledgment] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        var result: [Acknowledgment] = []
        // A line is complete only once its newline is written; a kill can cut the last one.
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            let parts = line.split(separator: " ")
            guard parts.count == 4, parts[0] == "ack", let first = UInt64(parts[1]), let last = UInt64(parts[2]) else {
                continue
            }
            result.append(Acknowledgment(first: first, last: last, tag: String(parts[3])))
        }
        return result
    }

    private func waitForReady(_ path: String, timeout: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: path, encoding: .utf8), text.contains("ready") { return true }
            try await Task.sleep(for: .milliseconds(5))
        }
        return false
    }

    @Test func acknowledgedEventsSurviveSIGKILL() async throws {
        let directory = TemporaryDirectory("crash")
        let journal = directory.file("journal")
        var random = SystemRandomNumberGenerator()
        var totalAcknowledged = 0
        var kills = 0
        var expectedLast: UInt64 = 0
        for round in 0..<12 {
            let output = directory.file("acks-\(round).txt")
            _ = FileManager.default.createFile(atPath: output, contents: nil)
            let pid = try ChildProcess.spawn(
                [
                    TandemProcess.executable.path, "journal", "torture", journal, "--tasks", "6", "--segment-size",
                    "16384", "--log-level", "error",
                ], output: output, errors: "/dev/null")
            guard try await waitForReady(output, timeout: .seconds(120)) else {
                let stacks = await ChildProcess.threads(of: pid)
                kill(pid, SIGKILL)
                _ = await ChildProcess.reap(pid, within: .seconds(60), "tandem journal torture")
                Issue.record("round \(round): the writer did not start; its threads:\n\(stacks)")
                return
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 20...300, using: &random)))
            kill(pid, SIGKILL)
            #expect(await ChildProcess.reap(pid, within: .seconds(60), "tandem journal torture") == 128 + SIGKILL)
            kills += 1

            let acks = acknowledgments(in: output)
            totalAcknowledged += acks.count
            // The journal opens cleanly (recovering a torn tail if the kill cut a write)…
            var options = JournalOptions()
            options.segmentSizeBytes = 16384
            options.logger.logLevel = .error
            let reopened = try Journal.open(directory: journal, options: options)
            let lastSeq = reopened.lastSeq
            await reopened.close()
            #expect(lastSeq >= expectedLast, "round \(round): the journal lost events it had before")
            let maxAcknowledged = acks.map(\.last).max() ?? 0
            #expect(
                lastSeq >= maxAcknowledged,
                "round \(round): seq \(maxAcknowledged) was acknowledged but the journal ends at \(lastSeq)")
            expectedLast = lastSeq
            // …and holds every acknowledged event with the payload that was appended.
            let reader = try JournalReader(directory: journal)
            for ack in acks {
                let events = try reader.events(in: ack.first...ack.last)
                #expect(
                    events.map(\.event.payload)
                        == (0..<Int(ack.last - ack.first + 1)).map { TortureCommand.payload(tag: ack.tag, index: $0) },
                    "round \(round): acknowledged \(ack.tag) at \(ack.first)–\(ack.last) is missing or wrong")
            }
            let report = try JournalVerification.verify(directory: journal)
            #expect(report.verdict == .sound, "round \(round): \(report.findings)")
        }
        #expect(kills == 12)
        #expect(totalAcknowledged > 0)
    }

    @Test func aSecondWriterProcessIsRefused() async throws {
        let directory = TemporaryDirectory("lock")
        let journal = directory.file("journal")
        let output = directory.file("acks.txt")
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let pid = try ChildProcess.spawn(
            [TandemProcess.executable.path, "journal", "torture", journal, "--tasks", "1", "--log-level", "error"],
            output: output, errors: "/dev/null")
        defer {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        guard try await waitForReady(output, timeout: .seconds(120)) else {
            Issue.record("the writer did not start; its threads:\n\(await ChildProcess.threads(of: pid))")
            return
        }
        let second = try await TandemProcess.run(["journal", "repair", journal, "--truncate-torn-tail"])
        #expect(second.status == 1)
        #expect(
            second.stderr.contains(
                "the journal is already open for writing by another process (pid \(pid)); a journal has exactly one writer"
            ))
    }
}
