import Foundation

/// What the figures depend on: the processor, its core count and the file system under test.
struct MachineFacts {
    var processorCount: Int
    var cpuModel: String
    var kernel: String
    var fileSystem: String
    /// The 1-, 5- and 15-minute load averages when the facts were read: other work on the
    /// machine skews every figure, and this is where it shows.
    var loadAverage: String

    /// Reads the facts of this machine; `directory` is where the benchmark writes.
    static func collect(directory: String) -> MachineFacts {
        MachineFacts(
            processorCount: ProcessInfo.processInfo.activeProcessorCount,
            cpuModel: cpuModel() ?? "unknown",
            kernel: firstLine(of: "/proc/sys/kernel/osrelease") ?? "unknown",
            fileSystem: fileSystem(containing: directory) ?? "unknown",
            loadAverage: loadAverage())
    }

    /// The first three fields of /proc/loadavg: `0.12 0.30 0.41`.
    static func loadAverage() -> String {
        guard let line = firstLine(of: "/proc/loadavg") else { return "unknown" }
        return line.split(separator: " ").prefix(3).joined(separator: " ")
    }

    /// The `model name` line of /proc/cpuinfo.
    private static func cpuModel() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    private static func firstLine(of path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first.map(String.init)
    }

    /// The device and type of the longest /proc/mounts mount point that contains `directory`.
    private static func fileSystem(containing directory: String) -> String? {
        guard let text = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else { return nil }
        var best: (mountPoint: String, description: String)?
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count >= 3 else { continue }
            let mountPoint = fields[1]
            let contains =
                directory == mountPoint
                || directory.hasPrefix(mountPoint.hasSuffix("/") ? mountPoint : mountPoint + "/")
            if contains, mountPoint.count >= (best?.mountPoint.count ?? 0) {
                best = (mountPoint, "\(fields[2]) on \(fields[0]) (mounted at \(mountPoint))")
            }
        }
        return best?.description
    }
}
