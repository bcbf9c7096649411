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

    /// Runs `tandem ARGUMENTS` to completion (its streams through files: see ``ChildProcess``); a run
    /// still going after `limit` has hung, and fails its test with the command's stacks.
    static func run(_ arguments: [String], directory: String? = nil, limit: Duration = .seconds(300)) async throws
        -> Result
    {
        let run = try await ChildProcess.capture([executable.path] + arguments, directory: directory, limit: limit)
        return Result(status: run.status, stdout: run.output, stderr: run.errors)
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
