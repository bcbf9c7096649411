import Foundation

/// Runs blocking work (`pread`, `fdatasync`, a whole read-back loop) on a thread of its own,
/// so that it never blocks Swift's cooperative pool (STYLE.md, "Concurrency").
func onDedicatedThread<T: Sendable>(
    _ name: String, _ work: @escaping @Sendable () throws -> T
) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.name = name
        thread.start()
    }
}
