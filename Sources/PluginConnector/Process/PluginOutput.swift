/// What the reader of a plug-in's standard output hands the session.
enum PluginOutput: Sendable {
    /// A decoded message from output line `line`.
    case message(PluginMessage, line: Int)
    /// Line `line` is not a valid message; the reader stops reading.
    case malformed(line: Int, problem: String)
    /// No line arrived within the timeout while a reply was awaited; `lastLine` is the last line read (0: none).
    /// `watch` names the wait that timed out (``OutputReader/currentWatch``): a session that has since
    /// received its reply and started another wait ignores it.
    case timedOut(lastLine: Int, after: Duration, watch: UInt64)
    /// The plug-in closed its standard output (it exited, or is about to).
    case closed(lastLine: Int, exit: PluginExit?)
}

/// How a plug-in's process ended.
enum PluginExit: Hashable, Sendable, CustomStringConvertible {
    case status(Int32)
    case signal(Int32)

    var description: String {
        switch self {
        case .status(let code): "exited with status \(code)"
        case .signal(let number): "was killed by signal \(number)\(Self.signalNames[number].map { " (\($0))" } ?? "")"
        }
    }

    private static let signalNames: [Int32: String] = [
        1: "SIGHUP", 2: "SIGINT", 6: "SIGABRT", 9: "SIGKILL", 11: "SIGSEGV", 13: "SIGPIPE", 15: "SIGTERM",
    ]
}
