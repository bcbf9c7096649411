#if canImport(Glibc)
    import Glibc
#endif

/// How the process's memory allocator is set up for an engine that holds a large, long-lived state and goes
/// through large, short-lived buffers (an import's file, a page of objects, a batch of changes).
///
/// glibc's allocator, left as it is, hurts such a process twice:
/// - Its mmap threshold is dynamic: once a large buffer is freed, buffers up to that size come from the heap
///   instead of their own mappings, so each large transient leaves holes among the state's small objects
///   that are never given back, and the resident set grows run after run.
/// - It gives each thread that allocates at the same time an arena of its own (up to 8 per core), and memory
///   freed in one arena serves only allocations made there.
///
/// Tuning fixes the threshold at 4 MiB (larger buffers are mapped and unmapped, the heap holds the state) and
/// the arenas at one per core. Measured (`BENCHMARKS.md`): export's peak resident 11 % lower at 200,000 people
/// and 4 % (156 MiB) at a million, the confirming import's 8 % and 1 %, for a few per cent of time. An
/// operator's own settings
/// (`GLIBC_TUNABLES`, `MALLOC_ARENA_MAX`, `MALLOC_MMAP_THRESHOLD_`) are left alone.
public enum AllocatorTuning {
    /// The threshold above which a buffer gets its own mapping.
    public static let mmapThreshold = 4 << 20

    /// Applies the tuning, once, first thing in `main` (before tasks start threads that would make arenas).
    /// Returns what it set, or `nil` where it does nothing: not glibc, or the environment already tunes.
    @discardableResult
    public static func apply(environment: [String: String]) -> (mmapThreshold: Int, arenas: Int)? {
        #if canImport(Glibc)
            let operatorTuned = ["GLIBC_TUNABLES", "MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_"]
            guard !operatorTuned.contains(where: { environment[$0] != nil }) else { return nil }
            // malloc.h is not part of the Glibc module: look the function up.
            typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
            guard let process = dlopen(nil, RTLD_NOW), let symbol = dlsym(process, "mallopt") else { return nil }
            let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
            let mMmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
            let mArenaMax: Int32 = -8  // M_ARENA_MAX
            let arenas = max(2, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
            guard mallopt(mMmapThreshold, Int32(mmapThreshold)) == 1, mallopt(mArenaMax, Int32(arenas)) == 1 else {
                return nil
            }
            return (mmapThreshold, arenas)
        #else
            return nil
        #endif
    }
}
