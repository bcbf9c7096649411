import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension Process {
    /// Waits for the child to end and reaps it. `waitUntilExit()` sometimes misses a child's exit in the
    /// test process (seen: the child a zombie, the test waiting forever while many suites spawn children),
    /// so this polls `waitpid` itself; if Foundation reaped the child first, it waits for Foundation's status.
    /// `code` is the exit status, or 128 + the signal that ended the child.
    ///
    /// Asynchronous, and it sleeps between polls with `Task.sleep`: a blocking wait here would hold
    /// one of the cooperative pool's threads (two on this machine) for the child's whole life, and
    /// with several suites waiting for children every other test in the process stalls (seen: the
    /// epoch-authority tests timing out after 60 s while their database had answered).
    public func reap() async -> (code: Int32, signaled: Bool) {
        let pid = processIdentifier
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                let signal = status & 0x7f
                return signal == 0 ? ((status >> 8) & 0xff, false) : (128 + signal, true)
            }
            if result < 0 && errno != EINTR { break }  // ECHILD: Foundation reaped it
            await Self.pause()
        }
        while isRunning { await Self.pause() }
        let signaled = terminationReason == .uncaughtSignal
        return (signaled ? 128 + terminationStatus : terminationStatus, signaled)
    }

    /// ``reap()`` for the few places that cannot wait asynchronously (a `deinit` killing a child
    /// left behind by a failed test): it blocks the calling thread until the child is gone.
    public func reapBlocking() -> (code: Int32, signaled: Bool) {
        var status: Int32 = 0
        while true {
            let result = waitpid(processIdentifier, &status, 0)
            if result == processIdentifier {
                let signal = status & 0x7f
                return signal == 0 ? ((status >> 8) & 0xff, false) : (128 + signal, true)
            }
            if result < 0 && errno != EINTR { break }
        }
        while isRunning { usleep(10_000) }
        return (terminationStatus, terminationReason == .uncaughtSignal)
    }

    private static func pause() async {
        try? await Task.sleep(for: .milliseconds(10))
    }
}
