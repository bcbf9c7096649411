import BenchmarkSupport
import Foundation

/// The reference for the plug-in's own share: the jsonl-rows plug-in answering the same `hello` and full `import`
/// with its output going to /dev/null, so nothing of Tandem is timed. Started the way Tandem starts it (`python3`
/// looked up in `PATH`, in its folder), so any launcher in front of Python is counted as it is in the plug-in
/// subject.
enum PluginAlone {
    /// Writes the requests the plug-in reads into `folder/requests.jsonl`.
    static func writeRequests(_ data: BenchmarkData) throws -> String {
        let path = data.folder + "/requests.jsonl"
        let requests = """
            {"type":"hello","id":1,"protocolVersion":1,"tandemVersion":"bench","connector":"rows",\
            "baseDirectory":"\(data.folder)","settings":{"path":"people.jsonl","anchor":"employeeId"},"secrets":{}}
            {"type":"import","id":2,"mode":"full"}

            """
        try requests.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    /// Runs the plug-in once to the end of its input and returns the wall-clock seconds from launch to exit.
    static func run(requests: String) async throws -> Double {
        guard let input = FileHandle(forReadingAtPath: requests), let output = FileHandle(forWritingAtPath: "/dev/null")
        else { throw BenchmarkFailure("cannot open \(requests) or /dev/null") }
        defer {
            try? input.close()
            try? output.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "jsonl_rows.py"]
        process.currentDirectoryURL = URL(fileURLWithPath: BenchmarkData.plugins + "/jsonl-rows")
        process.standardInput = input
        process.standardOutput = output
        let clock = ContinuousClock()
        let start = clock.now
        let (status, end) = try await withCheckedThrowingContinuation {
            (continuation: CheckedContinuation<(Int32, ContinuousClock.Instant), any Error>) in
            process.terminationHandler = { finished in
                continuation.resume(returning: (finished.terminationStatus, clock.now))
            }
            do {
                try process.run()
            } catch {
                continuation.resume(throwing: error)
            }
        }
        guard status == 0 else { throw BenchmarkFailure("jsonl_rows.py alone exited with status \(status)") }
        return (end - start).seconds
    }
}
