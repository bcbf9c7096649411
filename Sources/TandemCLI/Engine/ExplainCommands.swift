import ArgumentParser
import ConnectorKit
import Foundation
import TandemEngine
import TandemJournal

struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Say why an object has its values: the rule, source object and event behind each, and its history.",
        discussion: """
            Give CONNECTOR ANCHOR (the metaverse object it is joined to is explained) or --mv ID, and
            optionally one ATTRIBUTE. --at TIME explains the state as of that time. Reads the journal
            only; works beside a running server.
            """)

    @OptionGroup var deployment: DeploymentOptions
    @Argument(help: "The connector, or with --mv the attribute.") var first: String?
    @Argument(help: "The object's anchor.") var second: String?
    @Argument(help: "One attribute to explain.") var third: String?
    @Option(help: "A metaverse object ID.") var mv: UInt64?
    @Option(help: "Explain as of this time (ISO 8601).") var at: String?
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        if mv == nil && (first == nil || second == nil) {
            throw ValidationError("give CONNECTOR ANCHOR [ATTRIBUTE], or --mv ID [ATTRIBUTE]")
        }
        if mv != nil && second != nil { throw ValidationError("with --mv, give at most one ATTRIBUTE") }
    }

    func run() async throws {
        try await runReportingEngineErrors {
            let configuration = try deployment.loadConfiguration()
            let directory = EngineContext.journalDirectory(configuration)
            var seq: UInt64?
            if let at {
                guard let micros = TimeArgument.parse(at) else {
                    throw CLIFailure(
                        message: "--at '\(at)' is not an ISO 8601 time like 2026-11-25T09:00:00Z", exitCode: 2)
                }
                guard
                    let found = try EngineReplay.lastSeq(
                        atOrBefore: micros, reader: JournalReader(directory: directory))
                else {
                    throw CLIFailure(message: "the journal holds no event at or before \(at)", exitCode: 2)
                }
                seq = found
            }
            let subject: Explainer.Subject
            let attribute: String?
            if let mv {
                subject = .metaverse(MetaverseID(mv))
                attribute = first
            } else {
                subject = .connectorObject(connector: first!, anchor: Anchor(second!))
                attribute = third
            }
            let explanation = try Explainer.explain(
                directory: directory, checkpoints: EngineContext.checkpoints(configuration), subject: subject,
                attribute: attribute, asOf: seq, configuration: configuration)
            if json { Self.printJSON(explanation) } else { Self.printText(explanation) }
        }
    }

    static func printText(_ e: Explanation) {
        Terminal.print("\(e.metaverseID) (\(e.objectType)) as of seq \(e.asOfSeq)")
        for origin in e.attributes {
            let shown =
                origin.isAuthoritativeNull ? "AuthoritativeNull" : origin.values.map(\.text).joined(separator: " | ")
            Terminal.print("  \(origin.attribute): \(shown)")
            let c = origin.contributor
            var line = "    ← rule '\(c.rule)' (precedence \(c.precedence)) from \(c.connector)/\(c.anchor)"
            if let seq = origin.seq, let time = origin.timeMicroseconds {
                line += ", set at seq \(seq) (\(Terminal.formatTime(microseconds: time)))"
                if let run = origin.runID { line += " by run #\(run)" }
            }
            Terminal.print(line)
            if let flow = origin.flow { Terminal.print("      flow: \(flow)") }
            for name in origin.sourceValues.keys.sorted() {
                Terminal.print(
                    "      source \(c.connector)/\(c.anchor) \(name) = \(origin.sourceValues[name]!.map(\.text).joined(separator: " | "))"
                )
            }
        }
        for link in e.links { Terminal.print("  linked: \(link)") }
        Terminal.print("history:")
        for entry in e.history {
            Terminal.print(
                "  seq \(entry.seq)  \(Terminal.formatTime(microseconds: entry.timeMicroseconds))  "
                    + "\(entry.runID.map { "run #\($0)" } ?? "-")  \(entry.change)")
        }
    }

    static func printJSON(_ e: Explanation) {
        EngineContext.printJSON(
            [
                "metaverseID": e.metaverseID.rawValue, "objectType": e.objectType.rawValue, "asOfSeq": e.asOfSeq,
                "links": e.links.map(\.description),
                "attributes": e.attributes.map { o -> [String: Any] in
                    [
                        "attribute": o.attribute, "values": o.values.map(\.text),
                        "authoritativeNull": o.isAuthoritativeNull, "rule": o.contributor.rule,
                        "precedence": o.contributor.precedence, "connector": o.contributor.connector,
                        "anchor": o.contributor.anchor.rawValue, "seq": o.seq.map { $0 as Any } ?? NSNull(),
                        "time": o.timeMicroseconds.map { Terminal.formatTime(microseconds: $0) as Any } ?? NSNull(),
                        "runID": o.runID.map { $0 as Any } ?? NSNull(), "flow": o.flow.map { $0 as Any } ?? NSNull(),
                        "source": o.sourceValues.mapValues { $0.map(\.text) },
                    ]
                },
                "history": e.history.map { h -> [String: Any] in
                    [
                        "seq": h.seq, "time": Terminal.formatTime(microseconds: h.timeMicroseconds),
                        "runID": h.runID.map { $0 as Any } ?? NSNull(),
                        "attribute": h.attribute.map { $0 as Any } ?? NSNull(), "change": h.change,
                    ]
                },
            ] as [String: Any])
    }
}

struct WhatIfCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whatif",
        abstract: "Show the exports a candidate rule set would make that differ from today's. Changes nothing.",
        discussion: """
            FILE is a configuration file holding the candidate rules (typically a copy of tandem.yaml
            with edited rules); its rules, metaverse settings and deletion threshold are applied, by a
            full sync in memory, to the current connector spaces, and compared with the current rules
            applied the same way. The journal and the connected systems are not touched.
            """)

    @OptionGroup var deployment: DeploymentOptions
    @Option(help: "The candidate configuration.") var rules: String
    @Flag(help: "Print one JSON object.") var json = false

    func run() async throws {
        try await runReportingEngineErrors {
            let current = try deployment.loadConfiguration()
            let file = try ConfigurationLoader.load(path: rules)
            var candidate = current
            candidate.inboundRules = file.inboundRules
            candidate.outboundRules = file.outboundRules
            candidate.metaverse = file.metaverse
            candidate.deletionThreshold = file.deletionThreshold
            let state = try EngineContext.replayedState(current)
            let report = try WhatIf.compare(state: state, current: current, candidate: candidate)
            if json {
                EngineContext.printJSON(
                    [
                        "connectors": report.connectors.map { c -> [String: Any] in
                            [
                                "connector": c.connector, "adds": c.adds.count, "updates": c.updates.count,
                                "deletes": c.deletes.count, "deletesWouldBeHeld": c.deletesWouldBeHeld,
                                "differences": c.differences.map { d -> [String: Any] in
                                    [
                                        "anchor": d.anchor.rawValue, "objectType": d.objectType.rawValue,
                                        "operation": d.operation.rawValue, "today": d.todayOperation.rawValue,
                                        "attributes": d.attributes.map {
                                            [
                                                "attribute": $0.attribute, "today": $0.today.map(\.text),
                                                "candidate": $0.candidate.map(\.text),
                                            ] as [String: Any]
                                        },
                                    ]
                                },
                            ]
                        }
                    ] as [String: Any])
                return
            }
            if report.connectors.isEmpty { Terminal.print("no export would differ from today's") }
            for c in report.connectors {
                Terminal.print(
                    "\(c.connector): \(c.adds.count) adds, \(c.updates.count) updates, \(c.deletes.count) deletes differ"
                        + (c.deletesWouldBeHeld ? " (the deletes exceed the deletion threshold and would be held)" : "")
                )
                for d in c.differences {
                    Terminal.print("  \(d.operation.rawValue) \(d.anchor) (today: \(d.todayOperation.rawValue))")
                    for a in d.attributes {
                        Terminal.print(
                            "    \(a.attribute): \(a.today.map(\.text).joined(separator: " | ")) → \(a.candidate.map(\.text).joined(separator: " | "))"
                        )
                    }
                }
            }
        }
    }
}
