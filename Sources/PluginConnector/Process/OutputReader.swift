import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a plug-in's standard output on a thread of its own (reads block; Swift concurrency's threads must not):
/// splits it into lines, parses and decodes each there, and posts the results to a ``Mailbox``. It also enforces
/// the response timeout, since it is the one that sees lines arrive.
final class OutputReader: Sendable {
    /// While a reply is awaited: how long a silence is allowed, and since when it has lasted.
    private struct Watch {
        var timeout: Duration?
        var since = ContinuousClock.now
        /// Counts the waits, so that a timeout posted just as its reply arrived is recognised as stale.
        var generation: UInt64 = 0
    }

    private let descriptor: Int32
    private let mailbox: Mailbox<PluginOutput>
    private let watch = Mutex(Watch())
    private let exitStatus: @Sendable () -> PluginExit?

    init(descriptor: Int32, mailbox: Mailbox<PluginOutput>, exitStatus: @escaping @Sendable () -> PluginExit?) {
        self.descriptor = descriptor
        self.mailbox = mailbox
        self.exitStatus = exitStatus
    }

    /// Starts the thread.
    func start(name: String) {
        let thread = Thread { [self] in run() }
        thread.name = "tandem-plugin-\(name)-stdout"
        thread.start()
    }

    /// Arms the timeout: a reply is awaited, and `timeout` of silence is too long.
    func expectReply(within timeout: Duration) {
        watch.withLock { $0 = Watch(timeout: timeout, since: .now, generation: $0.generation + 1) }
    }

    /// The wait the last ``expectReply(within:)`` armed.
    var currentWatch: UInt64 { watch.withLock { $0.generation } }

    /// Disarms the timeout: the plug-in is idle between requests.
    func idle() {
        watch.withLock { $0.timeout = nil }
    }

    private func run() {
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var lineNumber = 0
        var stopped = false
        while true {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, 100)
            if ready < 0 && errno == EINTR { continue }
            if ready == 0 {
                checkTimeout(lastLine: lineNumber)
                continue
            }
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            watch.withLock { $0.since = .now }
            if stopped { continue }  // Drain until the process is gone, but read nothing more.
            var start = 0
            for index in 0..<count where chunk[index] == 0x0A {
                lineNumber += 1
                let accepted: Bool
                if pending.isEmpty {
                    accepted = chunk.withUnsafeBufferPointer {
                        handle(UnsafeBufferPointer(rebasing: $0[start..<index]), lineNumber)
                    }
                } else {
                    pending.append(contentsOf: chunk[start..<index])
                    accepted = pending.withUnsafeBufferPointer { handle($0, lineNumber) }
                    pending.removeAll(keepingCapacity: true)
                }
                start = index + 1
                if !accepted {
                    stopped = true
                    break
                }
            }
            if stopped { continue }
            pending.append(contentsOf: chunk[start..<count])
            if pending.count > PluginProtocol.maximumLineBytes {
                mailbox.push(
                    .malformed(
                        line: lineNumber + 1,
                        problem: "is longer than the limit of \(PluginProtocol.maximumLineBytes) bytes"))
                stopped = true
                pending = []
            }
        }
        if !pending.isEmpty && !stopped {
            mailbox.push(.malformed(line: lineNumber + 1, problem: "does not end with a newline"))
        }
        close(descriptor)
        mailbox.push(.closed(lastLine: lineNumber, exit: waitForExit()))
    }

    /// Decodes one line and posts it; `false` when the line is malformed and reading must stop.
    private func handle(_ line: UnsafeBufferPointer<UInt8>, _ number: Int) -> Bool {
        var line = line
        if line.last == 0x0D { line = UnsafeBufferPointer(rebasing: line[0..<line.count - 1]) }
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return true }
        if line.count > PluginProtocol.maximumLineBytes {
            mailbox.push(
                .malformed(
                    line: number, problem: "is longer than the limit of \(PluginProtocol.maximumLineBytes) bytes"))
            return false
        }
        if let objects = JSONParser.objectsMessage(line) {
            mailbox.push(.message(objects, line: number))
            return true
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(line)
        } catch {
            mailbox.push(
                .malformed(line: number, problem: "is not valid JSON: \(error.message) at column \(error.column)"))
            return false
        }
        do {
            mailbox.push(.message(try PluginMessage.decode(json), line: number))
            return true
        } catch {
            mailbox.push(.malformed(line: number, problem: "is not a valid message: \(error.description)"))
            return false
        }
    }

    private func checkTimeout(lastLine: Int) {
        let expired = watch.withLock { watch -> (Duration, UInt64)? in
            guard let timeout = watch.timeout, ContinuousClock.now - watch.since > timeout else { return nil }
            watch.timeout = nil
            return (timeout, watch.generation)
        }
        // Reading goes on: the reply may already be on its way to a session that was slow to take it (a busy
        // machine), in which case the session finds the timeout stale. A real timeout stops the process.
        if let (after, generation) = expired {
            mailbox.push(.timedOut(lastLine: lastLine, after: after, watch: generation))
        }
    }

    /// After end of file the process normally exits at once; wait up to ten seconds (a loaded machine) for its
    /// status.
    private func waitForExit() -> PluginExit? {
        for _ in 0..<1_000 {
            if let status = exitStatus() { return status }
            usleep(10_000)
        }
        return nil
    }
}
