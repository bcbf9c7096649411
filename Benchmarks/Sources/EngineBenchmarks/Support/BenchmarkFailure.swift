import Foundation

/// A measurement that could not be taken or whose result is not what was expected.
struct BenchmarkFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Writes a progress line to standard error, keeping standard output for the report.
func progress(_ message: String) {
    FileHandle.standardError.write(Data("[EngineBenchmarks] \(message)\n".utf8))
}
