import Dispatch

/// Runs blocking file calls on a Dispatch thread, never on a Swift concurrency thread.
enum BlockingIO {
    static func run<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try body() })
            }
        }
    }
}
