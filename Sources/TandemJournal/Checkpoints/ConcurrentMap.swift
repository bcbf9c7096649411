import Dispatch
import Synchronization

/// `body(0)`, …, `body(count - 1)` computed on every core, in order; the first error is thrown.
/// For work split into independent parts, such as a checkpoint's zlib parts or its chunks.
package func concurrentMap<T: Sendable>(_ count: Int, _ body: @Sendable (Int) throws -> T) throws -> [T] {
    let slots = ResultSlots<T>(count: count)
    DispatchQueue.concurrentPerform(iterations: count) { index in
        slots.store(Result { try body(index) }, at: index)
    }
    return try slots.values()
}

/// Where ``concurrentMap(_:_:)`` collects its results.
private final class ResultSlots<T: Sendable>: Sendable {
    private let slots: Mutex<[Result<T, any Error>?]>

    init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }

    func store(_ result: Result<T, any Error>, at index: Int) {
        slots.withLock { $0[index] = result }
    }

    func values() throws -> [T] {
        try slots.withLock { slots in try slots.map { try $0!.get() } }
    }
}
