import BenchmarkSupport
import Foundation

/// What the figures depend on: the processor, its cores, memory and the load while measuring.
enum MachineFacts {
    static func summary() -> String {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let memory = Format.mebibytes(Int(ProcessInfo.processInfo.physicalMemory))
        return
            "\(cpuModel() ?? "unknown CPU"), \(cores) cores, \(memory) RAM, Linux \(firstLine("/proc/sys/kernel/osrelease") ?? "?")"
    }

    /// The 1-, 5- and 15-minute load averages: other work on the machine skews every figure.
    static func loadAverage() -> String {
        firstLine("/proc/loadavg").map { $0.split(separator: " ").prefix(3).joined(separator: " ") } ?? "unknown"
    }

    private static func cpuModel() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    private static func firstLine(_ path: String) -> String? {
        (try? String(contentsOfFile: path, encoding: .utf8))?.split(separator: "\n").first.map(String.init)
    }
}
