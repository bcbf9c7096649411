import Synchronization

/// A queue from a reader thread to one awaiting task. Unlike `AsyncStream`, a cancelled wait leaves the queue
/// usable, so that after cancelling a request the session can still read the plug-in's final reply.
final class Mailbox<Element: Sendable>: Sendable {
    private struct State {
        var queue: [Element] = []
        var head = 0
        var waiter: CheckedContinuation<Element?, Never>?
    }

    private let state = Mutex(State())

    init() {}

    /// Hands `element` to the waiting task, or queues it.
    func push(_ element: Element) {
        let waiter = state.withLock { state -> CheckedContinuation<Element?, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.queue.append(element)
            return nil
        }
        waiter?.resume(returning: element)
    }

    private static func take(_ state: inout State) -> Element? {
        guard state.head < state.queue.count else { return nil }
        let element = state.queue[state.head]
        state.head += 1
        if state.head == state.queue.count {
            state.queue.removeAll(keepingCapacity: true)
            state.head = 0
        }
        return element
    }

    /// The next element; `nil` when the waiting task is cancelled (nothing is lost: the element stays queued).
    func next() async -> Element? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Element?, Never>) in
                let ready = state.withLock { state -> Element?? in
                    if let element = Self.take(&state) { return .some(element) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiter = continuation
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Element?, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    /// The next element, whether or not the task is cancelled.
    func nextIgnoringCancellation() async -> Element {
        await withCheckedContinuation { (continuation: CheckedContinuation<Element?, Never>) in
            let ready = state.withLock { state -> Element? in
                if let element = Self.take(&state) { return element }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }!
    }
}
