import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Why a helper program or a loopback port could not be had.
public struct ChildProcessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Starts helper programs (server scripts, `ldapsearch`, the fault proxy) with `posix_spawn`, output to a
/// file, the signal mask and dispositions reset. Not Foundation's `Process`: it both hung in
/// `waitUntilExit` and passed the test process's blocked signals on, so that servers ignored SIGTERM; and
/// slapd daemonizes and inherits the descriptor `Process` watches for the child's exit.
public enum ChildProcess {
    /// Starts `arguments[0]` (a path) with standard input from /dev/null and standard output and error
    /// into the file `output`.
    public static func spawn(_ arguments: [String], output: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
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
        var pid: pid_t = 0
        let status = posix_spawn(&pid, arguments[0], &actions, &attributes, &argv, environ)
        guard status == 0 else { throw ChildProcessError("cannot start \(arguments[0]): error \(status)") }
        return pid
    }

    /// Waits for `pid` on a thread of its own (never on Swift's cooperative pool); returns its exit
    /// status, or 128 + the signal that ended it.
    public static func wait(_ pid: pid_t) async -> Int32 {
        await withCheckedContinuation { continuation in
            Thread {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                continuation.resume(returning: (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f))
            }.start()
        }
    }

    /// Runs a program to completion; returns its exit status and output (standard output and error).
    @discardableResult
    public static func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let output = FileManager.default.temporaryDirectory.path + "/tandem-child-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let status = await wait(try spawn(arguments, output: output))
        return (status, (try? String(contentsOfFile: output, encoding: .utf8)) ?? "")
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
