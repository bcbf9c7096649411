import ArgumentParser
import ConnectorKit
import Foundation
import TandemEngine
import TandemJournal

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the engine's state: journal position, epoch, state digest, objects, pending exports, last run.",
        discussion: "Rebuilds the state from the journal without writing anything, so it works beside a running server."
    )

    @OptionGroup var deployment: DeploymentOptions
    @Flag(help: "Print one JSON object.") var json = false

    func run() async throws {
        try await runReportingEngineErrors {
            let configuration = try deployment.loadConfiguration()
            let state = try EngineContext.replayedState(configuration)
            let names = configuration.connectors.map(\.name)
            var connectors: [String: Any] = [:]
            for name in names {
                let space = state.space(name)
                connectors[name] =
                    [
                        "objects": space.objects.count, "pendingExports": space.pendingExports.count,
                        "errors": space.errors.count, "heldDeletes": space.heldDeletes.count,
                        "watermark": space.watermark?.value ?? NSNull(),
                    ] as [String: Any]
            }
            let last = state.runs.last
            let lastRun: Any =
                last.map { run in
                    [
                        "runID": run.runID, "connector": run.connector ?? NSNull(), "profile": run.profile.rawValue,
                        "status": run.status?.rawValue ?? "running",
                        "started": Terminal.formatTime(microseconds: run.startTimeMicroseconds),
                    ] as [String: Any]
                } ?? NSNull()
            if json {
                EngineContext.printJSON(
                    [
                        "lastSeq": state.lastSeq, "epoch": state.epoch, "stateDigest": state.stateDigest,
                        "metaverseObjects": state.metaverse.count, "connectors": connectors, "lastRun": lastRun,
                        "configurationHash": state.configurationHash ?? NSNull(),
                    ] as [String: Any])
                return
            }
            Terminal.print("lastSeq:      \(state.lastSeq)")
            Terminal.print("epoch:        \(state.epoch)")
            Terminal.print("stateDigest:  \(state.stateDigest)")
            Terminal.print("metaverse:    \(state.metaverse.count) objects")
            for name in names {
                let space = state.space(name)
                Terminal.print(
                    "\(name): \(space.objects.count) objects, \(space.pendingExports.count) pending exports, "
                        + "\(space.errors.count) errors, \(space.heldDeletes.count) held deletes")
            }
            if let last {
                Terminal.print(
                    "last run:     #\(last.runID) \(last.profile.rawValue) \(last.connector ?? "all") → \(last.status?.rawValue ?? "running")"
                )
            }
        }
    }
}

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rebuild the state from the journal alone, in memory, and print its digest. Never writes the journal."
    )

    @OptionGroup var deployment: DeploymentOptions
    @Option(help: "Stop after this seq.") var toSeq: UInt64?
    @Option(help: "With --trace: start tracing at this seq.") var fromSeq: UInt64?
    @Option(
        help: ArgumentHelp(
            "Print what each event changed for the matching objects: *, CONNECTOR, CONNECTOR/ANCHOR or mv:ID (comma-separated)."
        )) var trace: String?
    @Flag(help: "Print one JSON object (JSON Lines with --trace).") var json = false

    func run() async throws {
        try await runReportingEngineErrors {
            let configuration = try deployment.loadConfiguration()
            if let trace {
                try Self.printTrace(configuration, from: fromSeq ?? 1, to: toSeq, filter: trace, json: json)
                return
            }
            if fromSeq != nil { throw CLIFailure(message: "--from-seq needs --trace", exitCode: 2) }
            let clock = ContinuousClock()
            var result = EngineReplay.Result(state: EngineState(), checkpoint: nil, eventsReplayed: 0)
            let elapsed = try clock.measure { result = try EngineContext.replay(configuration, through: toSeq) }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let state = result.state
            if json {
                EngineContext.printJSON(
                    [
                        "lastSeq": state.lastSeq, "stateDigest": state.stateDigest,
                        "seconds": (seconds * 1000).rounded() / 1000,
                        "checkpointSeq": result.checkpoint.map { $0.seq as Any } ?? NSNull(),
                        "eventsReplayed": result.eventsReplayed,
                    ] as [String: Any])
            } else {
                let start = result.checkpoint.map { "from the checkpoint at seq \($0.seq)" } ?? "from seq 1"
                Terminal.print(
                    "replayed through seq \(state.lastSeq) \(start) (\(result.eventsReplayed) events) in \(String(format: "%.2f", seconds)) s"
                )
                Terminal.print("stateDigest: \(state.stateDigest)")
            }
        }
    }
}

extension ReplayCommand {
    static func printTrace(_ configuration: Configuration, from: UInt64, to: UInt64?, filter: String, json: Bool) throws
    {
        let trace = try ReplayTrace.run(
            directory: EngineContext.journalDirectory(configuration),
            checkpoints: EngineContext.checkpoints(configuration), from: from, to: to,
            filter: try ReplayTrace.Filter(filter))
        for line in trace.lines {
            if json {
                EngineContext.printJSON(
                    [
                        "seq": line.seq, "epoch": line.epoch,
                        "time": Terminal.formatTime(microseconds: line.timeMicroseconds),
                        "kind": line.kind, "change": line.text,
                    ] as [String: Any])
            } else {
                Terminal.print(
                    "seq \(line.seq)  \(Terminal.formatTime(microseconds: line.timeMicroseconds))  \(line.text)")
            }
        }
        if !json {
            Terminal.print("traced through seq \(trace.state.lastSeq); stateDigest: \(trace.state.stateDigest)")
        }
    }
}

struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "Show the run history, newest last.")

    @OptionGroup var deployment: DeploymentOptions
    @Option(help: "How many runs to show.") var last = 20
    @Flag(help: "Print JSON Lines.") var json = false

    func run() async throws {
        try await runReportingEngineErrors {
            let configuration = try deployment.loadConfiguration()
            let state = try EngineContext.replayedState(configuration)
            for run in state.runs.suffix(last) {
                let s = run.statistics ?? RunStatistics()
                if json {
                    EngineContext.printJSON(
                        [
                            "runID": run.runID, "connector": run.connector ?? NSNull(), "profile": run.profile.rawValue,
                            "status": run.status?.rawValue ?? "running",
                            "started": Terminal.formatTime(microseconds: run.startTimeMicroseconds),
                            "adds": s.adds, "updates": s.updates, "deletes": s.deletes, "renames": s.renames,
                            "unchanged": s.unchanged, "errors": s.errors, "projections": s.projections,
                            "joins": s.joins,
                            "disconnections": s.disconnections, "exportsStaged": s.exportsStaged,
                            "message": run.message ?? "",
                        ] as [String: Any])
                } else {
                    var line = "#\(run.runID)\t\(Terminal.formatTime(microseconds: run.startTimeMicroseconds))\t"
                    line += "\(run.connector ?? "*")\t\(run.profile.rawValue)\t\(run.status?.rawValue ?? "running")\t"
                    line += "adds=\(s.adds) updates=\(s.updates) deletes=\(s.deletes) errors=\(s.errors)"
                    if s.projections + s.joins + s.exportsStaged > 0 {
                        line += " projections=\(s.projections) joins=\(s.joins) exports=\(s.exportsStaged)"
                    }
                    if let message = run.message, !message.isEmpty { line += "\t\(message)" }
                    Terminal.print(line)
                }
            }
        }
    }
}

struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a connector-space object (CONNECTOR ANCHOR) or a metaverse object (--mv ID) with its links.")

    @OptionGroup var deployment: DeploymentOptions
    @Argument(help: "The connector.") var connector: String?
    @Argument(help: "The object's anchor.") var anchor: String?
    @Option(help: "A metaverse object ID.") var mv: UInt64?

    func validate() throws {
        if mv == nil && (connector == nil || anchor == nil) {
            throw ValidationError("give CONNECTOR ANCHOR, or --mv ID")
        }
    }

    func run() async throws {
        try await runReportingEngineErrors {
            let configuration = try deployment.loadConfiguration()
            let state = try EngineContext.replayedState(configuration)
            if let mv {
                guard let object = state.metaverse[MetaverseID(mv)] else {
                    throw CLIFailure(message: "no metaverse object mv:\(mv)", exitCode: 2)
                }
                Terminal.print("mv:\(mv) (\(object.objectType))")
                for name in object.attributes.keys.sorted() {
                    let value = object.attributes[name]!
                    let shown =
                        value.isAuthoritativeNull
                        ? "AuthoritativeNull" : value.values.map(\.text).joined(separator: " | ")
                    Terminal.print(
                        "  \(name): \(shown)    ← \(value.contributor.rule) from \(value.contributor.connector)/\(value.contributor.anchor)"
                    )
                }
                for link in object.links { Terminal.print("  linked: \(link)") }
                return
            }
            let space = state.space(connector!)
            guard let object = space.objects[Anchor(anchor!)] else {
                throw CLIFailure(message: "connector \(connector!) holds no object with anchor \(anchor!)", exitCode: 2)
            }
            Terminal.print(
                "\(connector!)/\(object.anchor) (\(object.objectType))\(object.isPendingAdd ? " — provisioned, awaiting export" : "")"
            )
            if let dn = object.distinguishedName { Terminal.print("  dn: \(dn)") }
            for name in object.attributes.keys.sorted() {
                Terminal.print("  \(name): \(object.attributes[name]!.map(\.text).joined(separator: " | "))")
            }
            Terminal.print("  metaverse: \(object.metaverseID.map { "mv:\($0.rawValue)" } ?? "not joined")")
            if let pending = space.pendingExports[object.anchor] {
                Terminal.print("  pending export: \(ExportsPendingCommand.describe(pending.operation))")
            }
            if let error = space.errors[object.anchor] { Terminal.print("  error: \(error.code): \(error.message)") }
        }
    }
}
