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
        let pid = try ChildProcess.spawn(["/bin/sleep", "600"], output: "/dev/null")
        defer {
            kill(pid, SIGKILL)
            _ = waitpid(pid, nil, 0)
        }
        // `sleep` opens and closes files of its own as it starts (the loader's cache, locale files), so
        // a descriptor 3 may come and go in its listing. What it must not hold is anything this process
        // has open: that could only have been inherited.
        let ours = Set(Self.openFiles(of: "self").values)
        let theirs = Self.openFiles(of: "\(pid)")
        #expect(Set(theirs.keys).isSuperset(of: [0, 1, 2]), "the child is running, with its standard streams")
        let inherited = theirs.filter { $0.key > 2 && ours.contains($0.value) }
        try #require(inherited.isEmpty, "inherited: \(inherited)")
        // So closing our write end is the end of the pipe, though the child lives on.
        close(ends[1])
        var byte: UInt8 = 0
        #expect(read(ends[0], &byte, 1) == 0)
    }

    /// What each of `process`'s descriptors refers to (`pipe:[…]`, a path, …); one closed while this
    /// reads is left out.
    private static func openFiles(of process: String) -> [Int32: String] {
        let folder = "/proc/\(process)/fd"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        var files: [Int32: String] = [:]
        for name in names {
            guard let descriptor = Int32(name),
                let target = try? FileManager.default.destinationOfSymbolicLink(atPath: folder + "/" + name)
            else { continue }
            files[descriptor] = target
        }
        return files
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
