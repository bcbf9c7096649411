import Foundation

/// Writes a progress line to standard error, keeping standard output for the report.
func progress(_ message: String) {
    FileHandle.standardError.write(Data("[EngineBenchmarks] \(message)\n".utf8))
}
