import ArgumentParser
import Foundation
import TandemEngine
import TandemJournal
import TandemServer

struct CheckpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Write a checkpoint of the current state now and record its digest in the journal.",
        discussion: """
            Checkpoints are also written every 'checkpoints.every' events (default 10000) and at each
            epoch start. Opening the engine and 'tandem replay' start from the newest usable one.
            """)

    @OptionGroup var deployment: DeploymentOptions
    @Flag(help: "List the checkpoints instead of writing one.") var list = false

    func run() async throws {
        try await runReportingEngineErrors {
            let configuration = try deployment.loadConfiguration()
            if list {
                for entry in try EngineContext.checkpoints(configuration).store.list() {
                    switch entry.header {
                    case .success(let header):
                        Terminal.print(
                            "seq \(header.seq)\tepoch \(header.epoch)\t\(Terminal.formatTime(microseconds: header.timeMicroseconds))\t"
                                + "\(Terminal.formatBytes(entry.fileSize))\t\(entry.fileName)")
                    case .failure(let error):
                        Terminal.print("seq \(entry.seq)\tDAMAGED: \(error.message)\t\(entry.fileName)")
                    }
                }
                return
            }
            let taken = try await withInterruptibleEngine(configuration) { engine in try await engine.checkpoint() }
            Terminal.print("checkpoint at seq \(taken.seq), stateDigest \(taken.stateDigest)")
        }
    }
}

struct RestorePointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore-point",
        abstract: "Record a named restore point at the journal's current position ('tandem restore --to-point NAME').")

    @OptionGroup var deployment: DeploymentOptions
    @Argument(help: "The point's name.") var name: String

    func validate() throws {
        guard !name.isEmpty, name.count <= 200, !name.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw ValidationError("a restore point name is 1–200 characters without spaces")
        }
    }

    func run() async throws {
        try await runReportingEngineErrors {
            let configuration = try deployment.loadConfiguration()
            let seq = try await withInterruptibleEngine(configuration) { engine in
                try await engine.recordRestorePoint(name)
            }
            Terminal.print("restore point '\(name)' at seq \(seq)")
        }
    }
}

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore the state to a seq, a time or a named restore point, and go live from there.",
        discussion: """
            Rebuilds the state from the nearest checkpoint at or before the target, then starts a new
            epoch from it. The events after the target stay in the journal under their old epoch,
            readable and replayable ('tandem replay --to-seq'), never deleted. The next cycle fully
            imports every connector before it exports. --dry-run prints the plan and changes nothing.
            With an epoch authority (server.authority, or --authority), the new epoch is claimed from it
            by compare-and-swap; the restore is refused while another server holds the lease.
            """)

    @OptionGroup var deployment: DeploymentOptions
    @Option(help: "Restore to the state at this seq.") var toSeq: UInt64?
    @Option(help: "Restore to the state at this time (ISO 8601, e.g. 2026-11-25T09:00:00Z).") var toTime: String?
    @Option(help: "Restore to the newest restore point of this name.") var toPoint: String?
    @Flag(help: "Print the plan only.") var dryRun = false
    @Flag(help: "Print one JSON object.") var json = false
    @OptionGroup var authority: AuthorityOptions

    func validate() throws {
        guard [toSeq != nil, toTime != nil, toPoint != nil].filter({ $0 }).count == 1 else {
            throw ValidationError("give exactly one of --to-seq, --to-time, --to-point")
        }
    }

    func target() throws -> RestoreTarget {
        if let toSeq { return .seq(toSeq) }
        if let toPoint { return .point(toPoint) }
        guard let micros = TimeArgument.parse(toTime!) else {
            throw CLIFailure(
                message: "--to-time '\(toTime!)' is not an ISO 8601 time like 2026-11-25T09:00:00Z", exitCode: 2)
        }
        return .time(microseconds: micros)
    }

    func run() async throws {
        try await runReportingEngineErrors {
            let configuration = try deployment.loadConfiguration()
            let target = try target()
            let current = try EngineContext.replayedState(configuration)
            let plan = try RestorePlan.make(
                directory: EngineContext.journalDirectory(configuration),
                checkpoints: EngineContext.checkpoints(configuration), target: target, current: current)
            Self.print(plan, json: json, dryRun: dryRun)
            if dryRun { return }
            var outcome: (Restored, UInt64, UInt64)?
            do {
                try await authority.withAuthority(configuration.server.authority) { epochs, resolved in
                    let promotion = Promotion(
                        authority: epochs, holder: resolved?.holder ?? "",
                        leaseDuration: resolved?.leaseDuration ?? .seconds(10))
                    outcome = try await withInterruptibleEngine(configuration) { engine in
                        // The new term's epoch comes from the authority (compare-and-swap), never from here.
                        let epoch = try await promotion.claimRestoreEpoch(
                            journalEpoch: await engine.state.epoch, lastSeq: await engine.journalLastSeq)
                        let event = try await engine.restore(
                            to: plan.targetSeq, target: "\(target)", rebuilt: plan.restored, newEpoch: epoch)
                        return (event, await engine.state.epoch, await engine.state.lastSeq)
                    }
                }
            } catch let error as PromotionError {
                throw CLIFailure(
                    message: "restore refused, nothing was written: \(error.description)",
                    exitCode: error.code == .invalidConfiguration ? 2 : 1)
            }
            guard let restored = outcome else { return }
            if !json {
                Terminal.print(
                    "restored to seq \(restored.0.toSeq) at seq \(restored.2), epoch \(restored.1); "
                        + "the next cycle imports every connector before exporting")
            }
        }
    }

    static func print(_ plan: RestorePlan, json: Bool, dryRun: Bool) {
        if json {
            EngineContext.printJSON(
                [
                    "targetSeq": plan.targetSeq, "target": "\(plan.target)", "dryRun": dryRun,
                    "checkpointSeq": plan.checkpoint.map { $0.seq as Any } ?? NSNull(),
                    "eventsToReplay": plan.eventsToReplay,
                    "abandoned": plan.abandoned.map { [$0.lowerBound, $0.upperBound] as Any } ?? NSNull(),
                    "currentDigest": plan.currentDigest, "restoredDigest": plan.restoredDigest,
                    "metaverseObjects": [
                        "current": plan.metaverseObjects.current, "restored": plan.metaverseObjects.restored,
                    ],
                    "connectors": plan.connectors.map { c -> [String: Any] in
                        [
                            "connector": c.connector, "objectsBack": c.objectsBack, "objectsGone": c.objectsGone,
                            "objectsChanged": c.objectsChanged, "pendingExports": c.pendingExports.current,
                            "pendingExportsRestored": c.pendingExports.restored,
                            "pendingExportsChanged": c.pendingExportsChanged,
                        ]
                    },
                ] as [String: Any])
            return
        }
        Terminal.print("\(dryRun ? "plan" : "restoring"): \(plan.target) → state at seq \(plan.targetSeq)")
        if let checkpoint = plan.checkpoint {
            Terminal.print(
                "  start from checkpoint at seq \(checkpoint.seq) (\(Terminal.formatTime(microseconds: checkpoint.timeMicroseconds))), replay \(plan.eventsToReplay) events"
            )
        } else {
            Terminal.print("  no checkpoint at or before it: replay \(plan.eventsToReplay) events from seq 1")
        }
        if let abandoned = plan.abandoned {
            Terminal.print(
                "  seqs \(abandoned.lowerBound)–\(abandoned.upperBound) are abandoned: kept in the journal under their epoch, not applied"
            )
        }
        Terminal.print("  stateDigest \(plan.currentDigest.prefix(16))… → \(plan.restoredDigest.prefix(16))…")
        Terminal.print("  metaverse: \(plan.metaverseObjects.current) → \(plan.metaverseObjects.restored) objects")
        for c in plan.connectors {
            Terminal.print(
                "  \(c.connector): \(c.objectsBack) objects come back, \(c.objectsGone) go, \(c.objectsChanged) change; "
                    + "pending exports \(c.pendingExports.current) → \(c.pendingExports.restored) (\(c.pendingExportsChanged) differ)"
            )
        }
        if dryRun { Terminal.print("dry run: nothing was changed") }
    }
}

/// Times on the command line: ISO 8601 with or without fractional seconds.
enum TimeArgument {
    static func parse(_ text: String) -> Int64? {
        let plain = ISO8601DateFormatter()
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions.insert(.withFractionalSeconds)
        guard let date = fractional.date(from: text) ?? plain.date(from: text) else { return nil }
        return Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }
}
