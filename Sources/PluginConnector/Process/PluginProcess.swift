import ConnectorKit
import Dispatch
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A running plug-in: its process and the pipes to it. Writes go through a serial dispatch queue and reads
/// happen on threads of their own, so that nothing blocks Swift concurrency's cooperative pool.
final class PluginProcess: Sendable {
    let mailbox = Mailbox<PluginOutput>()
    let output: OutputReader
    /// The plug-in's name, for messages.
    let name: String
    private let process: ProcessBox
    private let input: Int32
    private let writes: DispatchQueue
    private let inputClosed = Mutex(false)

    /// `Process` is not `Sendable`; it is only touched through its thread-safe members.
    private final class ProcessBox: @unchecked Sendable {
        let process: Process
        init(_ process: Process) { self.process = process }
    }

    /// Starts `manifest`'s command in the plug-in's folder with `environment`.
    init(
        manifest: PluginManifest, environment: [String: String], logger: Logger,
        redact: @escaping @Sendable (String) -> String
    ) throws {
        Self.ignoreBrokenPipes
        name = manifest.name
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try manifest.resolveExecutable(searchPath: environment["PATH"]))
        process.arguments = manifest.arguments
        process.currentDirectoryURL = URL(fileURLWithPath: manifest.directory)
        process.environment = environment
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        // A larger pipe lets the plug-in write whole pages without waiting for the reader (Linux F_SETPIPE_SZ).
        _ = fcntl(stdout.fileHandleForReading.fileDescriptor, 1031, Int32(1 << 20))
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        do {
            try process.run()
        } catch {
            throw ConnectorError(
                .invalidConfiguration,
                "plug-in '\(manifest.name)': cannot start \(manifest.command) in \(manifest.directory): \(error.localizedDescription)"
            )
        }
        // Our copies of the child's ends must go, or we would never see end of file.
        try? stdin.fileHandleForReading.close()
        try? stdout.fileHandleForWriting.close()
        try? stderr.fileHandleForWriting.close()
        self.process = ProcessBox(process)
        input = dup(stdin.fileHandleForWriting.fileDescriptor)
        try? stdin.fileHandleForWriting.close()
        writes = DispatchQueue(label: "tandem.plugin.\(manifest.name).stdin")
        let box = self.process
        output = OutputReader(
            descriptor: dup(stdout.fileHandleForReading.fileDescriptor), mailbox: mailbox,
            exitStatus: { Self.exit(of: box.process) })
        try? stdout.fileHandleForReading.close()
        output.start(name: manifest.name)
        ErrorLog(descriptor: dup(stderr.fileHandleForReading.fileDescriptor), logger: logger, redact: redact)
            .start(name: manifest.name)
        try? stderr.fileHandleForReading.close()
    }

    /// Writing to a plug-in that has exited must fail with `EPIPE`, not kill Tandem with `SIGPIPE`.
    private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    var processIdentifier: Int32 { process.process.processIdentifier }

    private static func exit(of process: Process) -> PluginExit? {
        guard !process.isRunning else { return nil }
        let status = process.terminationStatus
        return process.terminationReason == .uncaughtSignal ? .signal(status) : .status(status)
    }

    /// How the process ended, or `nil` while it runs.
    var exit: PluginExit? { Self.exit(of: process.process) }

    /// Writes one line (the message plus `\n`); fails when the plug-in no longer reads.
    func send(_ line: [UInt8]) async throws {
        let descriptor = input
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            writes.async { [self] in
                if inputClosed.withLock({ $0 }) {
                    continuation.resume(throwing: POSIXError(.EPIPE))
                    return
                }
                var offset = 0
                let result: Result<Void, any Error> = line.withUnsafeBytes { buffer in
                    while offset < buffer.count {
                        let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                        if written < 0 {
                            if errno == EINTR { continue }
                            return .failure(POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO))
                        }
                        offset += written
                    }
                    return .success(())
                }
                continuation.resume(with: result)
            }
        }
    }

    /// Closes the plug-in's standard input: the signal to exit (Plugins/PROTOCOL.md § 4.8).
    func closeInput() {
        writes.async { [self] in
            let wasOpen = inputClosed.withLock { closed in
                defer { closed = true }
                return !closed
            }
            if wasOpen { close(input) }
        }
    }

    /// Ends the plug-in: end of file first, then `SIGTERM` after `grace`, then `SIGKILL` two seconds later.
    /// Waits off the cooperative pool.
    func stop(grace: Duration = .seconds(5)) async {
        closeInput()
        let process = self.process
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                func waitUntil(_ limit: Duration) -> Bool {
                    let deadline = ContinuousClock.now + limit
                    while process.process.isRunning {
                        if ContinuousClock.now >= deadline { return false }
                        usleep(10_000)
                    }
                    return true
                }
                if !waitUntil(grace) {
                    Glibc.kill(process.process.processIdentifier, SIGTERM)
                    if !waitUntil(.seconds(2)) {
                        Glibc.kill(process.process.processIdentifier, SIGKILL)
                        _ = waitUntil(.seconds(5))
                    }
                }
                continuation.resume()
            }
        }
    }

    /// Kills the plug-in at once (it broke the protocol or timed out) and waits for it to go.
    func kill() async {
        closeInput()
        Glibc.kill(process.process.processIdentifier, SIGKILL)
        await stop(grace: .seconds(2))
    }

    deinit {
        if process.process.isRunning {
            if !inputClosed.withLock({ $0 }) { close(input) }
        }
    }
}
