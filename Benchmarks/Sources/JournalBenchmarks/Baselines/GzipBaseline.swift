import BenchmarkSupport

/// The reference points for bulk writing, reading and compression: `gzip -1` and `zcat` on the
/// same raw bytes the journal is given. Neither checksums per record nor syncs to disk;
/// gzip does check a CRC-32 of the whole stream.
struct GzipBaseline {
    /// The file holding the raw event bytes, concatenated.
    let rawPath: String
    /// Where `gzip -1` writes, and `zcat` reads.
    let compressedPath: String

    /// Times `gzip -1 -c raw > compressed`; seconds.
    func compress() async throws -> Double {
        try await TimedProcess.run("/usr/bin/gzip", ["-1", "-c", rawPath], standardOutput: compressedPath)
    }

    /// Times `zcat compressed > /dev/null` (that is, `gzip -dc`); seconds.
    func decompress() async throws -> Double {
        try await TimedProcess.run("/usr/bin/gzip", ["-dc", compressedPath], standardOutput: "/dev/null")
    }
}
