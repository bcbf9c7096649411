/// The writer's queue of appends waiting to be committed: a pure state machine, driven under
/// the writer's lock, whose decisions are performed outside it.
struct GroupCommitQueue<Waiter> {
    enum Request {
        case events([JournalEvent], bytes: Int, Waiter)
        case beginEpoch(UInt64, Waiter)
        case rollSegment(Waiter)
        /// Frames shipped from another server, appended byte for byte; synced (with every frame
        /// written ahead before them) only if `sync`.
        case frames([ShippedRun], bytes: Int, sync: Bool, Waiter)
    }

    enum Status {
        case running
        case closing
        /// The writer stopped after a failure; every later request gets this error.
        case failed(JournalError)
        case closed
    }

    private(set) var status: Status = .running
    private var requests: [Request] = []
    private var head = 0
    private(set) var queuedBytes = 0
    let maxQueuedBytes: Int

    init(maxQueuedBytes: Int) {
        self.maxQueuedBytes = maxQueuedBytes
    }

    var isEmpty: Bool { head == requests.count }

    enum EnqueueAction {
        case enqueued
        /// The queue is full; try again after the writer drains some.
        case full
        case reject(JournalError)
    }

    mutating func enqueue(_ request: Request) -> EnqueueAction {
        switch status {
        case .failed(let error):
            return .reject(
                JournalError(
                    .writerStopped,
                    "the journal writer stopped after an earlier failure and accepts no more events; reopen the journal",
                    cause: error.description))
        case .closing, .closed:
            return .reject(JournalError(.writerClosed, "the journal is closed"))
        case .running:
            break
        }
        if case .events(_, let bytes, _) = request {
            // One oversized request may always enter an empty queue, or it could never be written.
            if queuedBytes > 0 && queuedBytes + bytes > maxQueuedBytes { return .full }
            queuedBytes += bytes
        } else if case .frames(_, let bytes, _, _) = request {
            // One oversized request may always enter an empty queue, or it could never be written.
            if queuedBytes > 0 && queuedBytes + bytes > maxQueuedBytes { return .full }
            queuedBytes += bytes
        }
        requests.append(request)
        return .enqueued
    }

    enum Work {
        case write([(events: [JournalEvent], waiter: Waiter)])
        case beginEpoch(UInt64, Waiter)
        case rollSegment(Waiter)
        case frames([ShippedRun], bytes: Int, sync: Bool, Waiter)
    }

    /// The next unit of work: a run of consecutive appends up to the frame bounds, or one epoch change.
    mutating func takeWork(maxEvents: Int, maxBytes: Int) -> Work? {
        guard !isEmpty else { return nil }
        if case .beginEpoch(let epoch, let waiter) = requests[head] {
            head += 1
            compact()
            return .beginEpoch(epoch, waiter)
        }
        if case .rollSegment(let waiter) = requests[head] {
            head += 1
            compact()
            return .rollSegment(waiter)
        }
        if case .frames(let frames, let bytes, let sync, let waiter) = requests[head] {
            head += 1
            queuedBytes -= bytes
            compact()
            return .frames(frames, bytes: bytes, sync: sync, waiter)
        }
        var batch: [(events: [JournalEvent], waiter: Waiter)] = []
        var events = 0
        var bytes = 0
        while head < requests.count, case .events(let list, let size, let waiter) = requests[head] {
            if !batch.isEmpty && (events + list.count > maxEvents || bytes + size > maxBytes) { break }
            batch.append((list, waiter))
            events += list.count
            bytes += size
            queuedBytes -= size
            head += 1
        }
        compact()
        return .write(batch)
    }

    /// Whether the head of the queue already fills a frame (no point waiting for more).
    func isFull(maxEvents: Int, maxBytes: Int) -> Bool {
        var events = 0
        var bytes = 0
        for request in requests[head...] {
            guard case .events(let list, let size, _) = request else { return true }
            events += list.count
            bytes += size
            if events >= maxEvents || bytes >= maxBytes { return true }
        }
        return false
    }

    /// Stops the queue after a failure and hands back every waiter still queued.
    mutating func fail(_ error: JournalError) -> [Waiter] {
        status = .failed(error)
        return drain()
    }

    mutating func beginClosing() {
        if case .running = status { status = .closing }
    }

    mutating func finishClosing() -> [Waiter] {
        if case .failed = status { return drain() }
        status = .closed
        return drain()
    }

    private mutating func drain() -> [Waiter] {
        let waiters = requests[head...].map { request -> Waiter in
            switch request {
            case .events(_, _, let waiter), .beginEpoch(_, let waiter), .rollSegment(let waiter),
                .frames(_, _, _, let waiter):
                return waiter
            }
        }
        requests.removeAll()
        head = 0
        queuedBytes = 0
        return waiters
    }

    private mutating func compact() {
        if head == requests.count {
            requests.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 1024 && head * 2 > requests.count {
            requests.removeFirst(head)
            head = 0
        }
    }
}
