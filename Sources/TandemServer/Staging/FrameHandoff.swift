import Synchronization
import TandemJournal

/// The bounded hand-off between the task that receives and checks shipped frames and the task
/// that makes them durable: while one batch is being synced, the next accumulates, so a catch-up
/// is written in large batches (group commit) and a trickle is written at once.
final class FrameHandoff: Sendable {
    private struct State {
        var frames: [Frame] = []
        var bytes = 0
        var finished = false
        var taker: CheckedContinuation<Void, Never>?
        var givers: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    let maxBytes: Int

    init(maxBytes: Int) { self.maxBytes = maxBytes }

    /// Adds frames; waits while more than `maxBytes` are waiting to be taken.
    func put(_ frames: [Frame]) async {
        guard !frames.isEmpty else { return }
        let size = frames.reduce(0) { $0 + $1.bytes.count }
        while true {
            let (admitted, wake) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
                if state.finished { return (true, nil) }
                guard state.bytes == 0 || state.bytes + size <= maxBytes else { return (false, nil) }
                state.frames += frames
                state.bytes += size
                defer { state.taker = nil }
                return (true, state.taker)
            }
            wake?.resume()
            if admitted { return }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let full = state.withLock { state -> Bool in
                    let full = !state.finished && state.bytes > 0 && state.bytes + size > maxBytes
                    if full { state.givers.append(continuation) }
                    return full
                }
                if !full { continuation.resume() }
            }
            if Task.isCancelled { return }
        }
    }

    /// Everything waiting (up to about `limit` bytes), waiting for some if none is; `nil` once
    /// finished and drained.
    func take(limit: Int) async -> [Frame]? {
        while true {
            let result = state.withLock { state -> (frames: [Frame]?, wake: [CheckedContinuation<Void, Never>]) in
                if state.frames.isEmpty { return (state.finished ? nil : [], []) }
                var count = 0
                var bytes = 0
                while count < state.frames.count && (count == 0 || bytes + state.frames[count].bytes.count <= limit) {
                    bytes += state.frames[count].bytes.count
                    count += 1
                }
                let taken = Array(state.frames.prefix(count))
                state.frames.removeFirst(count)
                state.bytes -= bytes
                defer { state.givers = [] }
                return (taken, state.givers)
            }
            for giver in result.wake { giver.resume() }
            guard let frames = result.frames else { return nil }
            if !frames.isEmpty { return frames }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if !state.frames.isEmpty || state.finished { return true }
                    state.taker = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }

    /// Whether no frame is waiting to be taken.
    var isEmpty: Bool { state.withLock { $0.frames.isEmpty } }

    /// No more frames will come: wakes everyone.
    func finish() {
        let (taker, givers) = state.withLock { state in
            state.finished = true
            defer {
                state.taker = nil
                state.givers = []
            }
            return (state.taker, state.givers)
        }
        taker?.resume()
        for giver in givers { giver.resume() }
    }
}
