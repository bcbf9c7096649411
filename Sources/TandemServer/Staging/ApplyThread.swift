import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The thread a staging server applies shipped events on: its own, at a lower CPU priority than
/// shipping, so that inflating and applying a catch-up never slows the frames becoming durable.
///
/// Durability comes first on a staging server: a frame durable here is a frame the deployment
/// cannot lose with the active, while a frame not yet applied only lengthens a promotion (which
/// applies it first). Inflating is most of a staging server's CPU time; on a busy machine, work
/// at the normal priority (receiving, checking, `fdatasync`) gets the processor first, and the
/// apply thread catches up as soon as shipping idles.
///
/// Audited lock box: `jobs` and `stopped` are guarded by `condition`.
final class ApplyThread: @unchecked Sendable {
    /// How much lower than normal the thread runs (a Linux nice value: 0 normal, 19 lowest).
    ///
    /// The lowest: since applying follows the journal, it never holds shipping back, and at nice 10
    /// it still took about a tenth of the shipping window's CPU on two cores. At 19 it gets what
    /// shipping leaves (a trickle leaves nearly everything), and never less than about 1.5 % of a
    /// core against a busy thread of normal priority, so it cannot starve.
    static let niceness: Int32 = 19

    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var stopped = false

    init(name: String) {
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    /// Runs `body` on the thread and returns its result.
    ///
    /// - Throws: what `body` throws, or `CancellationError` if the thread was stopped first.
    func perform<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            condition.lock()
            guard !stopped else {
                condition.unlock()
                continuation.resume(throwing: CancellationError())
                return
            }
            jobs.append { continuation.resume(with: Result { try body() }) }
            condition.signal()
            condition.unlock()
        }
    }

    /// Lets the thread finish the jobs already given, then end.
    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        #if os(Linux)
            // On Linux the nice value belongs to the calling thread, not the whole process.
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Self.niceness)
        #endif
        while true {
            condition.lock()
            while jobs.isEmpty && !stopped { condition.wait() }
            let batch = jobs
            jobs = []
            let done = stopped && batch.isEmpty
            condition.unlock()
            if done { return }
            for job in batch { job() }
        }
    }
}
