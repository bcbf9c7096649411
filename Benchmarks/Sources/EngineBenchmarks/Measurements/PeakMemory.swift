import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The process's resident-set high-water mark (`VmHWM` in /proc/self/status), reset between stages so
/// that each stage reports its own peak.
enum PeakMemory {
    /// Resets the high-water mark to the current resident set (writing 5 to /proc/self/clear_refs,
    /// Linux ≥ 4.0); returns whether the kernel allowed it (if not, peaks accumulate across stages).
    @discardableResult
    static func reset() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        do {
            try handle.write(contentsOf: Data("5".utf8))
            return true
        } catch {
            return false
        }
    }

    /// Gives the memory the process has freed back to the system. glibc keeps freed memory in the
    /// arena of the thread that allocated it, and a stage that runs on another thread of the pool
    /// does not reuse it: without this, a stage's peak would count what earlier stages left behind.
    static func releaseFreedMemory() {
        #if canImport(Glibc)
            // malloc.h is not part of the Glibc module: look the function up.
            typealias Trim = @convention(c) (Int) -> Int32
            if let process = dlopen(nil, RTLD_NOW), let trim = dlsym(process, "malloc_trim") {
                _ = unsafeBitCast(trim, to: Trim.self)(0)
            }
        #endif
    }

    /// The high-water mark in bytes, or 0 if unknown.
    static var highWaterMarkBytes: Int { field("VmHWM") }

    /// The current resident set in bytes, or 0 if unknown.
    static var residentBytes: Int { field("VmRSS") }

    private static func field(_ name: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            let digits = line.dropFirst(name.count + 1).filter(\.isNumber)
            return (Int(String(digits)) ?? 0) * 1024
        }
        return 0
    }
}
