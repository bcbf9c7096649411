import Foundation
import TandemTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The harness that starts every helper server and `tandem` command in the tests: a child must
/// inherit nothing of the test process but its three standard streams, and a hung child must fail
/// its test, with its stacks, instead of stopping the whole run.
@Suite struct ChildProcessTests {
    @Test func aChildInheritsNoDescriptorButItsStandardStreams() async throws {
        // A pipe made the way Foundation's `Pipe` makes one: not close-on-exec.
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let pid = try ChildProcess.spawn(["/bin/sleep", "30"], output: "/dev/null")
        defer {
            kill(pid, SIGKILL)
            _ = waitpid(pid, nil, 0)
        }
        // `sleep` opens and closes descriptors of its own (the loader's cache, locale files) before it
        // sleeps; a listing taken then shows one of those as 3. Wait until it sleeps: what is open
        // then was inherited.
        try await waitUntilSleeping(pid)
        let inherited = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").sorted()
        #expect(inherited == ["0", "1", "2"])
        // So closing our write end is the end of the pipe, though the child lives on.
        close(ends[1])
        var byte: UInt8 = 0
        #expect(read(ends[0], &byte, 1) == 0)
    }

    /// Waits, up to ten seconds, until the kernel shows `pid` blocked in a nanosleep.
    private func waitUntilSleeping(_ pid: pid_t) async throws {
        for _ in 0..<1000 {
            let channel = (try? String(contentsOfFile: "/proc/\(pid)/wchan", encoding: .utf8)) ?? ""
            if channel.contains("nanosleep") { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("the child (pid \(pid)) did not reach its sleep within ten seconds")
    }

    @Test func aChildStartsWithNoSignalBlocked() async throws {
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGTERM)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        let run = try await ChildProcess.capture(["/bin/grep", "SigBlk", "/proc/self/status"])
        #expect(run.output.trimmingCharacters(in: .whitespacesAndNewlines) == "SigBlk:\t0000000000000000")
    }

    @Test func aChildStillRunningAtItsLimitIsKilledAndNamed() async throws {
        let pid = try ChildProcess.spawn(["/bin/sleep", "600"], output: "/dev/null")
        var status: Int32 = 0
        await withKnownIssue {
            status = await ChildProcess.reap(pid, within: .milliseconds(200), "a sleeping child")
        } matching: { issue in
            String(describing: issue).contains("a sleeping child (pid \(pid)) did not exit within")
        }
        #expect(status == 128 + SIGKILL)
        #expect(ChildProcess.poll(pid) == -1, "reaped: no longer a child")
    }

    @Test func aCapturedRunGivesItsStatusStreamsAndInput() async throws {
        let run = try await ChildProcess.capture(
            ["/bin/sh", "-c", "tr a-z A-Z; echo oops >&2; exit 3"], input: "hello\n")
        #expect(run.status == 3)
        #expect(run.output == "HELLO\n")
        #expect(run.errors == "oops\n")
    }
}
