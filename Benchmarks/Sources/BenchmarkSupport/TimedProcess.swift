import Foundation

/// Runs an external program (a baseline such as `wc -l` or `cat`) and times it from launch to exit.
public enum TimedProcess {
    /// Runs `executable arguments… > outputPath` and returns the wall-clock seconds it took.
    public static func run(_ executable: String, _ arguments: [String], standardOutput outputPath: String = "/dev/null")
        async throws -> Double
    {
        if outputPath != "/dev/null" {
            guard FileManager.default.createFile(atPath: outputPath, contents: nil) else {
                throw BenchmarkFailure("cannot create \(outputPath)")
            }
        }
        guard let output = FileHandle(forWritingAtPath: outputPath) else {
            throw BenchmarkFailure("cannot open \(outputPath) for writing")
        }
        defer { try? output.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = output
        let clock = ContinuousClock()
        let start = clock.now
        let (status, end) = try await withCheckedThrowingContinuation {
            (continuation: CheckedContinuation<(Int32, ContinuousClock.Instant), any Error>) in
            // Read the clock in the handler itself, so that scheduling the resumption is not timed.
            process.terminationHandler = { finished in
                continuation.resume(returning: (finished.terminationStatus, clock.now))
            }
            do {
                try process.run()
            } catch {
                continuation.resume(throwing: error)
            }
        }
        guard status == 0 else {
            throw BenchmarkFailure("\(executable) \(arguments.joined(separator: " ")) exited with status \(status)")
        }
        return (end - start).seconds
    }

    /// The fastest of `passes` runs (the file is in the page cache after the first).
    public static func best(
        of passes: Int = 3, _ executable: String, _ arguments: [String], standardOutput: String = "/dev/null"
    )
        async throws -> Double
    {
        var best = Double.infinity
        for _ in 0..<passes { best = min(best, try await run(executable, arguments, standardOutput: standardOutput)) }
        return best
    }
}
