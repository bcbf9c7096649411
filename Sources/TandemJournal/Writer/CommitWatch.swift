import Synchronization

/// Publishes the last durable seq so that in-process followers wake as soon as a frame is committed,
/// and never read a frame that is written but not yet synced.
final class CommitWatch: Sendable {
    private struct State {
        var committedSeq: UInt64
        var latestTimeMicroseconds: Int64?
        var closed = false
        var waiters: [(id: UInt64, after: UInt64, continuation: CheckedContinuation<UInt64, Never>)] = []
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>

    init(committedSeq: UInt64, latestTimeMicroseconds: Int64? = nil) {
        state = Mutex(State(committedSeq: committedSeq, latestTimeMicroseconds: latestTimeMicroseconds))
    }

    var committedSeq: UInt64 { state.withLock { $0.committedSeq } }
    /// The latest event time of the last committed events frame.
    var latestTimeMicroseconds: Int64? { state.withLock { $0.latestTimeMicroseconds } }

    func publish(_ seq: UInt64, latestTimeMicroseconds: Int64? = nil) {
        let ready = state.withLock { state -> [CheckedContinuation<UInt64, Never>] in
            state.committedSeq = max(state.committedSeq, seq)
            if let latestTimeMicroseconds { state.latestTimeMicroseconds = latestTimeMicroseconds }
            let (wake, keep) = (
                state.waiters.filter { $0.after < state.committedSeq },
                state.waiters.filter { $0.after >= state.committedSeq }
            )
            state.waiters = keep
            return wake.map(\.continuation)
        }
        for continuation in ready { continuation.resume(returning: seq) }
    }

    func close() {
        let all = state.withLock { state -> [(CheckedContinuation<UInt64, Never>, UInt64)] in
            state.closed = true
            defer { state.waiters = [] }
            return state.waiters.map { ($0.continuation, state.committedSeq) }
        }
        for (continuation, seq) in all { continuation.resume(returning: seq) }
    }

    /// Waits until a seq greater than `seq` is committed, the watch closes, or the task is cancelled;
    /// returns the committed seq then.
    func wait(after seq: UInt64) async -> UInt64 {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let immediate = state.withLock { state -> UInt64? in
                    if state.committedSeq > seq || state.closed || Task.isCancelled { return state.committedSeq }
                    state.waiters.append((id, seq, continuation))
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let cancelled = state.withLock { state -> (CheckedContinuation<UInt64, Never>, UInt64)? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return (state.waiters.remove(at: index).continuation, state.committedSeq)
            }
            if let (continuation, seq) = cancelled { continuation.resume(returning: seq) }
        }
    }
}
