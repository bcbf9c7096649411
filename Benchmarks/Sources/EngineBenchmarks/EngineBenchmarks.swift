import ArgumentParser
import Foundation
import TandemEngine

/// Measures the engine on a generated company with the file connector: full import, full sync and export
/// of every person, a confirming cycle, a delta cycle with 1 % changes, and replay of the journal — each
/// stage timed on its own, with its peak memory, against the goals and beside simple baselines.
@main
struct EngineBenchmarks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "EngineBenchmarks",
        abstract: "Benchmarks the Tandem engine: HR CSV → directory JSON Lines with the file connector.",
        discussion: """
            Progress goes to standard error; the Markdown report goes to standard output. Stages run in the \
            order import, sync, export, confirm, delta, replay, each on what the earlier ones left: to \
            measure a later stage alone, run the earlier ones with --dir and run again on that folder.
            """)

    /// The stages, in the order they run.
    enum Stage: String, CaseIterable, Comparable {
        case `import`, sync, export, confirm, delta, replay

        static func < (lhs: Stage, rhs: Stage) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    @Option(help: "People in the generated HR file.")
    var people = 100_000

    @Option(help: "Comma-separated stages to run: import, sync, export, confirm, delta, replay, or all.")
    var stages = "all"

    @Option(
        help: """
            The folder to work in, kept afterwards; a folder holding an earlier run is reused (its files are \
            not generated again). Default: a temporary folder, removed afterwards.
            """)
    var dir: String?

    @Option(
        help:
            "Objects per export call and import batch of the directory connectors (default: the file connector's 50,000 and 1,000)."
    )
    var exportPageSize: Int?

    @Flag(help: "Print the engine's state digest after the engine stages, also when replay does not run.")
    var digest = false

    func validate() throws {
        guard (1_000...5_000_000).contains(people) else { throw ValidationError("--people must be 1000–5000000") }
        _ = try selectedStages()
        if let exportPageSize, exportPageSize < 1 { throw ValidationError("--export-page-size must be positive") }
    }

    func selectedStages() throws -> [Stage] {
        if stages == "all" { return Stage.allCases }
        var selected: [Stage] = []
        for name in stages.split(separator: ",") {
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard let stage = Stage(rawValue: trimmed) else {
                throw ValidationError(
                    "unknown stage '\(trimmed)'; use \(Stage.allCases.map(\.rawValue).joined(separator: ", ")) or all")
            }
            selected.append(stage)
        }
        return Array(Set(selected)).sorted()
    }

    func run() async throws {
        // Measured as `tandem` runs.
        AllocatorTuning.apply(environment: ProcessInfo.processInfo.environment)
        let stages = try selectedStages()
        let folder =
            dir.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
            ?? FileManager.default.temporaryDirectory.path + "/tandem-engine-benchmarks-\(getpid())"
        defer { if dir == nil { try? FileManager.default.removeItem(atPath: folder) } }
        var run = BenchmarkRun(
            population: Population(people: people), folder: folder, exportPageSize: exportPageSize)
        run.printsDigest = digest
        try await run.measure(
            stages, reusing: dir != nil && FileManager.default.fileExists(atPath: folder + "/tandem.yaml"))
        print("# Tandem engine benchmarks")
        print("")
        print(run.report.markdown)
    }
}
