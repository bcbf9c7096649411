import ArgumentParser
import Foundation
import TandemJournal

/// Output helpers for the command line: unbuffered writes, times, and the exit codes that
/// operating errors map to (only the CLI maps errors to exit codes).
enum Terminal {
    static func print(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// `2026-11-25T13:45:00.123456Z`
    static func formatTime(microseconds: Int64) -> String {
        let seconds = microseconds >= 0 ? microseconds / 1_000_000 : (microseconds - 999_999) / 1_000_000
        let micros = microseconds - seconds * 1_000_000
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(micros))
    }

    static func formatBytes(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}

/// An operating error at the CLI's edge: printed as one clear line, mapped to an exit code.
struct CLIFailure: Error, CustomStringConvertible {
    var message: String
    var exitCode: Int32 = 1
    var description: String { message }
}

extension JournalError {
    /// The process exit code for a journal error that ends a command.
    var exitCode: Int32 {
        switch code {
        case .tornTail: return 3
        case .corruption, .mismatchedJournal: return 4
        case .notFound, .invalidArgument: return 2
        default: return 1
        }
    }
}

/// Runs a command body, turning journal errors into one line on standard error and an exit code.
func runReportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as JournalError {
        Terminal.printError("error: \(error)")
        throw ExitCode(error.exitCode)
    } catch let error as CLIFailure {
        Terminal.printError("error: \(error.message)")
        throw ExitCode(error.exitCode)
    }
}
