/// One event as the journal stores it: an opaque payload with a type code and a time.
///
/// The journal does not interpret payloads; the engine's typed events and their codec
/// live above it. The journal assigns the sequence number when the event is appended.
public struct JournalEvent: Sendable, Hashable {
    /// The event's type code. The journal stores it; meaning belongs to the layer above.
    public var type: UInt16
    /// When the event happened, in microseconds since 1970-01-01T00:00:00Z.
    public var timeMicroseconds: Int64
    /// The event's bytes.
    public var payload: [UInt8]

    public init(type: UInt16, timeMicroseconds: Int64, payload: [UInt8]) {
        self.type = type
        self.timeMicroseconds = timeMicroseconds
        self.payload = payload
    }
}

/// An event read back from the journal, with the position the journal gave it.
public struct StoredEvent: Sendable, Hashable {
    /// The event's sequence number: dense, starting at 1.
    public var seq: UInt64
    /// The epoch (term of the active server) under which the event was written.
    public var epoch: UInt64
    public var event: JournalEvent

    public init(seq: UInt64, epoch: UInt64, event: JournalEvent) {
        self.seq = seq
        self.epoch = epoch
        self.event = event
    }
}

/// The wall clock the journal uses when a caller does not give an event a time.
public enum JournalClock {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public static func nowMicroseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1_000
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif
