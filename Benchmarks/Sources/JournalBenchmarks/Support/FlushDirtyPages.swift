#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Writes every dirty page on the machine back to disk (`sync(2)`), untimed, before a pass.
///
/// On ext4 (data=ordered) an `fdatasync` commits the file system's journal, which first writes
/// back the newly allocated dirty data of *every* file. Without this, a pass would pay for the
/// gzip output or the raw event file the previous pass left in memory.
func flushDirtyPages() async throws {
    try await onDedicatedThread("sync") { sync() }
}
