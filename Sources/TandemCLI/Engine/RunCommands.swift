import ArgumentParser
import Foundation
import TandemEngine

extension RunProfile: ExpressibleByArgument {}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one profile on one connector: full-import, delta-import, full-sync, delta-sync or export.")

    @OptionGroup var deployment: DeploymentOptions
    @Argument(help: "The connector.") var connector: String
    @Argument(help: "The run profile.") var profile: RunProfile

    func run() async throws {
        try await runReportingEngineErrors {
            let configuration = try deployment.loadConfiguration()
            let finished = try await withInterruptibleEngine(configuration) { engine in
                try await engine.run(profile, connector: connector)
            }
            CycleCommand.report(connector: connector, profile: profile, finished)
            if finished.status == .stoppedConnectorError || finished.status == .stoppedErrorLimit { throw ExitCode(1) }
        }
    }
}

struct CycleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cycle",
        abstract:
            "Run the delta cycle (delta import, delta sync, export on every connector), or with --initial the initial cycle."
    )

    @OptionGroup var deployment: DeploymentOptions
    @Flag(help: "Full import, full sync, export.") var initial = false

    static func report(connector: String?, profile: RunProfile, _ finished: RunFinished) {
        let s = finished.statistics
        var line = "#\(finished.runID) \(connector ?? "*") \(profile.rawValue): \(finished.status.rawValue) — "
        // Renames only when there are any, so that the usual line keeps its shape.
        let renames = s.renames > 0 ? "renames \(s.renames), " : ""
        line +=
            "adds \(s.adds), updates \(s.updates), \(renames)deletes \(s.deletes), unchanged \(s.unchanged), errors \(s.errors)"
        if s.projections + s.joins + s.disconnections + s.exportsStaged > 0 {
            line +=
                "; projections \(s.projections), joins \(s.joins), disconnections \(s.disconnections), exports staged \(s.exportsStaged)"
        }
        Terminal.print(line)
        if !finished.message.isEmpty { Terminal.print("   \(finished.message)") }
    }

    /// Runs a cycle and prints one line per run (runs that did nothing are left out when `quiet`).
    static func runCycle(_ configuration: Configuration, initial: Bool, quiet: Bool = false) async throws {
        let results = try await withInterruptibleEngine(configuration) { engine in
            let finished = try await engine.cycle(initial: initial)
            let runs = await engine.state.runs
            return finished.map { run in (run, runs.last { $0.runID == run.runID }) }
        }
        for (finished, record) in results {
            if quiet && finished.statistics == RunStatistics() && finished.status == .success { continue }
            report(connector: record?.connector, profile: record?.profile ?? .export, finished)
        }
    }

    func run() async throws {
        try await runReportingEngineErrors {
            try await Self.runCycle(try deployment.loadConfiguration(), initial: initial)
        }
    }
}
