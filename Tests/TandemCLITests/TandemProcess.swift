import Foundation
import TandemTestSupport

/// Runs the built `tandem` executable, as a user would.
enum TandemProcess {
    /// The `tandem` binary next to this test bundle (SwiftPM puts both in the build products folder).
    static let executable: URL = {
        if let override = ProcessInfo.processInfo.environment["TANDEM_BIN"] { return URL(fileURLWithPath: override) }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("tandem")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/tandem")
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var lines: [String] {
            stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
        }
    }

    static func run(_ arguments: [String], directory: String? = nil) async throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Drain both pipes while the process runs, so a chatty child never blocks.
        // Each on a thread of its own, never the cooperative pool's (see `reap()`).
        async let outData = Self.readToEnd(out.fileHandleForReading)
        async let errData = Self.readToEnd(err.fileHandleForReading)
        let exit = await process.reap()
        return Result(
            status: exit.code, stdout: String(decoding: await outData, as: UTF8.self),
            stderr: String(decoding: await errData, as: UTF8.self))
    }

    private static func readToEnd(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: handle.readDataToEndOfFile()) }
        }
    }
}

final class TemporaryDirectory {
    let path: String

    init(_ label: String = "cli") {
        path = FileManager.default.temporaryDirectory.path + "/tandem-cli-\(label)-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    var segments: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: path))?.filter { $0.hasSuffix(".seg") }.sorted() ?? []
    }
}
