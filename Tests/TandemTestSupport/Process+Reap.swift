import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension Process {
    /// Waits for the child to end and reaps it. `waitUntilExit()` sometimes misses a child's exit in the
    /// test process (seen: the child a zombie, the test waiting forever while many suites spawn children),
    /// so this polls `waitpid` itself; if Foundation reaped the child first, it waits for Foundation's status.
    /// `code` is the exit status, or 128 + the signal that ended the child.
    public func reap() -> (code: Int32, signaled: Bool) {
        let pid = processIdentifier
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                let signal = status & 0x7f
                return signal == 0 ? ((status >> 8) & 0xff, false) : (128 + signal, true)
            }
            if result < 0 && errno != EINTR { break }  // ECHILD: Foundation reaped it
            usleep(10_000)
        }
        while isRunning { usleep(10_000) }
        let signaled = terminationReason == .uncaughtSignal
        return (signaled ? 128 + terminationStatus : terminationStatus, signaled)
    }
}
