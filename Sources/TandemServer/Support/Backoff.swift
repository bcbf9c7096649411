/// Exponential backoff with jitter for reconnecting to a primary: 100 ms doubling to a cap, reset
/// after a success, so that a restarted primary is not flooded by its staging servers.
struct Backoff {
    let initial: Duration
    let maximum: Duration
    private var current: Duration

    init(initial: Duration = .milliseconds(100), maximum: Duration = .seconds(10)) {
        self.initial = initial
        self.maximum = maximum
        self.current = initial
    }

    /// The next delay (with up to 20% jitter), doubling the one after.
    mutating func next() -> Duration {
        let delay = current
        current = min(current * 2, maximum)
        return delay + delay * Double.random(in: 0..<0.2)
    }

    mutating func reset() { current = initial }
}
