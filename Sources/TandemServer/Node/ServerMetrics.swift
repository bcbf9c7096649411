import Synchronization

/// Counters the HTTP side keeps for `/metrics` (the node's gauges are read from its state).
final class ServerMetrics: Sendable {
    struct Counters: Sendable {
        var shippedFrames: UInt64 = 0
        var shippedBytes: UInt64 = 0
        var journalStreams: UInt64 = 0
        var openJournalStreams: Int = 0
        var unauthorized: UInt64 = 0
        var requests: UInt64 = 0
    }

    private let counters = Mutex(Counters())

    var snapshot: Counters { counters.withLock { $0 } }

    func update(_ body: (inout Counters) -> Void) { counters.withLock { body(&$0) } }
}
