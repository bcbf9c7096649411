#if canImport(Glibc)
    import Glibc
#endif

/// How the process's memory allocator is set up for an engine that holds a large, long-lived state and goes
/// through large, short-lived buffers (an import's file, a page of objects, a batch of changes).
///
/// glibc's allocator, left as it is, has a dynamic mmap threshold: once a large buffer is freed, buffers up to
/// that size come from the heap instead of mappings of their own, so each large transient leaves holes among the
/// state's small objects that are never given back, and the resident set grows run after run. Tuning fixes the
/// threshold at 4 MiB: larger buffers are mapped and unmapped, the heap holds the state. Measured at 200,000
/// people (`BENCHMARKS.md`, eleventh round): peak resident 6 % lower in export, 8 % in the confirming import
/// and 9 % in the delta cycle.
///
/// The number of arenas is left alone: capping it at one per core lowered export's peak a little more at
/// 200,000 people but made a restore at a million 20 % slower (8.6–8.9 s against 6.7–7.3 s), its decoding
/// threads waiting on each other's arena. An operator's own settings (`GLIBC_TUNABLES`, `MALLOC_ARENA_MAX`,
/// `MALLOC_MMAP_THRESHOLD_`) are left alone.
public enum AllocatorTuning {
    /// The threshold above which a buffer gets its own mapping.
    public static let mmapThreshold = 4 << 20

    /// Applies the tuning, once, first thing in `main`. Returns the threshold it set, or `nil` where it does
    /// nothing: not glibc, or the environment already tunes the allocator.
    @discardableResult
    public static func apply(environment: [String: String]) -> Int? {
        #if canImport(Glibc)
            let operatorTuned = ["GLIBC_TUNABLES", "MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_"]
            guard !operatorTuned.contains(where: { environment[$0] != nil }) else { return nil }
            // malloc.h is not part of the Glibc module: look the function up.
            typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
            guard let process = dlopen(nil, RTLD_NOW), let symbol = dlsym(process, "mallopt") else { return nil }
            let mMmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
            guard unsafeBitCast(symbol, to: Mallopt.self)(mMmapThreshold, Int32(mmapThreshold)) == 1 else {
                return nil
            }
            return mmapThreshold
        #else
            return nil
        #endif
    }
}
