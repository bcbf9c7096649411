import Foundation

/// Starts helper programs (the server script, the fault proxy) with `posix_spawn`, output to a file and the
/// signal mask and dispositions reset — Foundation's `Process` here both hung in `waitUntilExit` and passed
/// the test process's blocked signals on, so that servers ignored SIGTERM.
enum ChildProcess {
    static func spawn(_ arguments: [String], output: String) throws -> pid_t {
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
        guard status == 0 else { throw TestFailure("cannot start \(arguments[0]): error \(status)") }
        return pid
    }

    /// Waits for `pid` on a thread of its own (never on Swift's cooperative pool); returns its exit status.
    static func wait(_ pid: pid_t) async -> Int32 {
        await withCheckedContinuation { continuation in
            Thread {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                continuation.resume(returning: (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f))
            }.start()
        }
    }

    /// Runs a program to completion; returns its exit status and output.
    static func run(_ arguments: [String]) async throws -> (Int32, String) {
        let output = FileManager.default.temporaryDirectory.path + "/tandem-child-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let status = await wait(try spawn(arguments, output: output))
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        return (status, text)
    }
}
