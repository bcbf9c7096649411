import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Why a helper program or a loopback port could not be had.
public struct ChildProcessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Starts helper programs (server scripts, `ldapsearch`, the fault proxy) with `posix_spawn`, output to a
/// file, the signal mask and dispositions reset, and no descriptor of the test process but 0, 1 and 2.
/// Not Foundation's `Process`: it both hung in `waitUntilExit` and passed the test process's blocked
/// signals on, so that servers ignored SIGTERM; and slapd daemonizes and inherits the descriptor
/// `Process` watches for the child's exit.
///
/// Closing every other descriptor matters as much: a server started here lives on (PostgreSQL for the
/// whole test process), and a pipe's write end that another test had open at that moment (a `tandem`
/// command's standard output, a plug-in's) would stay open in the server, so that test would wait for
/// an end of file that never comes.
public enum ChildProcess {
    /// Starts `arguments[0]` (a path) with standard input from the file `input` (/dev/null when `nil`),
    /// standard output into the file `output` and standard error into `errors` (the same file when `nil`).
    public static func spawn(
        _ arguments: [String], input: String? = nil, output: String, errors: String? = nil,
        environment: [String: String]? = nil, directory: String? = nil
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, input ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if let errors {
            posix_spawn_file_actions_addopen(&actions, 2, errors, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        try closeInheritedDescriptors(&actions)
        if let directory {
            guard let changeDirectory, changeDirectory(&actions, directory) == 0 else {
                throw ChildProcessError("cannot start \(arguments[0]) in \(directory)")
            }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { $0.map { strdup("\($0)=\($1)") } + [nil] } ?? []
        defer { for pointer in envp { free(pointer) } }
        var pid: pid_t = 0
        let status =
            environment == nil
            ? posix_spawn(&pid, arguments[0], &actions, &attributes, &argv, environ)
            : posix_spawn(&pid, arguments[0], &actions, &attributes, &argv, &envp)
        guard status == 0 else { throw ChildProcessError("cannot start \(arguments[0]): error \(status)") }
        return pid
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 on) closes every descriptor from 3 up in
    /// the child, atomically with the spawn; `…_addchdir_np` (2.29 on) sets its working directory. Swift's
    /// Glibc module declares neither, so both are looked up.
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias ChangeDirectory =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    private static let closeFrom: CloseFrom? = dlsym(
        UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np"
    ).map { unsafeBitCast($0, to: CloseFrom.self) }
    private static let changeDirectory: ChangeDirectory? = dlsym(
        UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np"
    ).map { unsafeBitCast($0, to: ChangeDirectory.self) }

    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) throws {
        guard let closeFrom else {
            throw ChildProcessError(
                "this C library cannot close inherited descriptors in a spawned child (glibc ≥ 2.34)")
        }
        guard closeFrom(&actions, 3) == 0 else {
            throw ChildProcessError("posix_spawn_file_actions_addclosefrom_np failed")
        }
    }

    /// Waits for `pid` to exit, polling (never blocking a thread of Swift's cooperative pool), at most
    /// `limit`. A child still running then has hung: its threads' stacks (from gdb, where installed) go
    /// into a test issue naming `what`, and it is killed, so that one hung child fails its test instead
    /// of stopping the whole test run. Returns the exit status, or 128 + the signal that ended it.
    public static func reap(_ pid: pid_t, within limit: Duration, _ what: String) async -> Int32 {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let status = poll(pid) { return status }
            try? await Task.sleep(for: .milliseconds(20))
        }
        if let status = poll(pid) { return status }
        let stacks = await threads(of: pid)
        Glibc.kill(pid, SIGKILL)
        Issue.record("\(what) (pid \(pid)) did not exit within \(limit); killed it. Its threads:\n\(stacks)")
        while true {
            if let status = poll(pid) { return status }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The exit status of `pid` if it has exited (and reaps it), `nil` while it runs.
    public static func poll(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f) }
            if result == 0 { return nil }
            if errno != EINTR { return -1 }  // not our child (any more): nothing to wait for
        }
    }

    /// Every thread's stack in `pid`, from `gdb -batch`, or why there are none.
    public static func threads(of pid: pid_t) async -> String {
        let gdb = ["/usr/bin/gdb", "/usr/local/bin/gdb"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let gdb else { return "(gdb is not installed: no stacks)" }
        let output = FileManager.default.temporaryDirectory.path + "/tandem-stacks-\(UUID().uuidString).txt"
        defer { try? FileManager.default.removeItem(atPath: output) }
        guard
            let debugger = try? spawn(
                [gdb, "-p", "\(pid)", "-batch", "-nx", "-ex", "set pagination off", "-ex", "thread apply all bt"],
                output: output)
        else { return "(gdb could not be started)" }
        let deadline = ContinuousClock.now + .seconds(60)
        while poll(debugger) == nil {
            if ContinuousClock.now >= deadline {
                Glibc.kill(debugger, SIGKILL)
                while poll(debugger) == nil { try? await Task.sleep(for: .milliseconds(20)) }
                break
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        let stacks = text.split(separator: "\n").filter { $0.hasPrefix("Thread ") || $0.hasPrefix("#") }
        return stacks.isEmpty ? "(gdb printed no stacks)\n\(text.suffix(2000))" : stacks.joined(separator: "\n")
    }

    /// Runs a program to completion; returns its exit status and output (standard output and error).
    @discardableResult
    public static func run(_ arguments: [String], limit: Duration = .seconds(300)) async throws -> (
        status: Int32, output: String
    ) {
        let output = FileManager.default.temporaryDirectory.path + "/tandem-child-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let status = await reap(try spawn(arguments, output: output), within: limit, arguments[0])
        return (status, (try? String(contentsOfFile: output, encoding: .utf8)) ?? "")
    }

    /// What ``capture(_:input:directory:environment:limit:)`` gives back.
    public struct Captured: Sendable {
        public var status: Int32
        public var output: String
        public var errors: String
    }

    /// Runs a program to completion with `input` on its standard input; returns its exit status, standard
    /// output and standard error. The streams go through files, never pipes, so a child that writes a lot
    /// never blocks and no pipe's end can outlive the child in another process.
    public static func capture(
        _ arguments: [String], input: String? = nil, directory: String? = nil,
        environment: [String: String]? = nil, limit: Duration = .seconds(300)
    ) async throws -> Captured {
        let scratch = FileManager.default.temporaryDirectory.path + "/tandem-child-\(UUID().uuidString)"
        defer {
            for suffix in [".in", ".out", ".err"] { try? FileManager.default.removeItem(atPath: scratch + suffix) }
        }
        if let input { try input.write(toFile: scratch + ".in", atomically: false, encoding: .utf8) }
        let pid = try spawn(
            arguments, input: input == nil ? nil : scratch + ".in", output: scratch + ".out", errors: scratch + ".err",
            environment: environment, directory: directory)
        let status = await reap(pid, within: limit, arguments.prefix(3).joined(separator: " "))
        func read(_ suffix: String) -> String {
            FileManager.default.contents(atPath: scratch + suffix).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
        return Captured(status: status, output: read(".out"), errors: read(".err"))
    }

    /// A loopback port the kernel just handed out and released; callers retry on another one if it is
    /// taken meanwhile.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ChildProcessError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw ChildProcessError("bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
