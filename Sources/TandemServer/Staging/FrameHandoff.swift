import Synchronization
import TandemJournal

/// The bounded hand-off between the task that receives and checks shipped frames and the task
/// that makes them durable: runs of whole frames, as received. (The applier takes nothing from
/// here: it reads durable frames back from the journal.) While one batch is being synced, the next accumulates, so a catch-up is written in
/// large batches (group commit) and a trickle is written at once.
final class FrameHandoff: Sendable {
    private struct State {
        var runs: [ShippedRun] = []
        var bytes = 0
        var finished = false
        var taker: CheckedContinuation<Void, Never>?
        var givers: [CheckedContinuation<Void, Never>] = []
        /// ``put(_:)-([ShippedRun])`` calls refused for room and not yet admitted (woken or not).
        var waitingPuts = 0
    }

    private let state = Mutex(State())
    let maxBytes: Int

    init(maxBytes: Int) { self.maxBytes = maxBytes }

    /// Adds a run; waits while more than `maxBytes` are waiting to be taken.
    func put(_ run: ShippedRun) async {
        await put([run])
    }

    /// Adds runs; waits while more than `maxBytes` are waiting to be taken.
    func put(_ runs: [ShippedRun]) async {
        let size = runs.reduce(0) { $0 + $1.bytes.count }
        guard size > 0 else { return }
        var waiting = false
        defer {
            if waiting { state.withLock { $0.waitingPuts -= 1 } }
        }
        while true {
            let (admitted, wake) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
                if state.finished { return (true, nil) }
                guard state.bytes == 0 || state.bytes + size <= maxBytes else {
                    // From the first refusal until it is admitted, no `tryPut` may overtake it.
                    if !waiting { state.waitingPuts += 1 }
                    return (false, nil)
                }
                state.runs += runs
                state.bytes += size
                defer { state.taker = nil }
                return (true, state.taker)
            }
            wake?.resume()
            if admitted { return }
            waiting = true
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

    /// Adds runs if they fit now, without waiting: for the HTTP client's event loop, which must not
    /// block. `false` if the hand-off is full or an earlier ``put(_:)-([ShippedRun])`` is still
    /// waiting for room (the runs must not overtake it); then nothing was added, and the caller
    /// hands these runs on with ``put(_:)-([ShippedRun])`` and waits for it before the next.
    func tryPut(_ runs: [ShippedRun]) -> Bool {
        let size = runs.reduce(0) { $0 + $1.bytes.count }
        guard size > 0 else { return true }
        let (admitted, wake) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
            if state.finished { return (true, nil) }
            guard state.waitingPuts == 0, state.bytes == 0 || state.bytes + size <= maxBytes else {
                return (false, nil)
            }
            state.runs += runs
            state.bytes += size
            defer { state.taker = nil }
            return (true, state.taker)
        }
        wake?.resume()
        return admitted
    }

    /// How many ``put(_:)-([ShippedRun])`` calls are waiting for room (for tests).
    var waitingPuts: Int { state.withLock { $0.waitingPuts } }

    /// Everything waiting (up to about `limit` bytes, at least one run), waiting for some if none is;
    /// `nil` once finished and drained.
    func take(limit: Int) async -> [ShippedRun]? {
        while true {
            let result = state.withLock { state -> (runs: [ShippedRun]?, wake: [CheckedContinuation<Void, Never>]) in
                if state.runs.isEmpty { return (state.finished ? nil : [], []) }
                var count = 0
                var bytes = 0
                while count < state.runs.count && (count == 0 || bytes + state.runs[count].bytes.count <= limit) {
                    bytes += state.runs[count].bytes.count
                    count += 1
                }
                let taken = Array(state.runs.prefix(count))
                state.runs.removeFirst(count)
                state.bytes -= bytes
                defer { state.givers = [] }
                return (taken, state.givers)
            }
            for giver in result.wake { giver.resume() }
            guard let runs = result.runs else { return nil }
            if !runs.isEmpty { return runs }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if !state.runs.isEmpty || state.finished { return true }
                    state.taker = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }

    /// Whether no frame is waiting to be taken.
    var isEmpty: Bool { state.withLock { $0.runs.isEmpty } }

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
