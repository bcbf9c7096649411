import ArgumentParser
import ConnectorKit
import Foundation
import TandemEngine

struct ExportsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exports", abstract: "Review pending exports and approve held deletes.",
        subcommands: [ExportsPendingCommand.self, ApproveDeletesCommand.self])
}

struct ExportsPendingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pending",
        abstract: "What would be exported, object by object and attribute by attribute.",
        discussion: "Works on a staging server too: it shows what the server would export if promoted.")

    @OptionGroup var deployment: DeploymentOptions
    @Argument(help: "Only this connector.") var connector: String?
    @Flag(help: "Print JSON Lines.") var json = false

    static func describe(_ operation: PendingExport.Operation) -> String {
        switch operation {
        case .add(let dn, let attributes): "add\(dn.map { " \($0)" } ?? "") (\(attributes.count) attributes)"
        case .update(let attributes): "update \(attributes.keys.sorted().joined(separator: ", "))"
        case .rename(let dn): "rename to \(dn)"
        case .delete: "delete"
        }
    }

    func run() async throws {
        try await runReportingEngineErrors {
            let configuration = try deployment.loadConfiguration()
            let state = try EngineContext.replayedState(configuration)
            let names = connector.map { [$0] } ?? configuration.connectors.map(\.name)
            for name in names {
                let space = state.space(name)
                for export in space.pendingExports.values.sorted(by: { $0.anchor < $1.anchor }) {
                    let held = space.heldDeletes.contains(export.anchor)
                    if json {
                        var object: [String: Any] = [
                            "connector": name, "anchor": export.anchor.rawValue,
                            "objectType": export.objectType.rawValue,
                            "held": held,
                        ]
                        switch export.operation {
                        case .add(let dn, let attributes):
                            object["operation"] = "add"
                            object["dn"] = dn ?? NSNull()
                            object["attributes"] = attributes.dictionary.mapValues { $0.map(\.text) }
                        case .update(let attributes):
                            object["operation"] = "update"
                            object["attributes"] = attributes.dictionary.mapValues { $0.map(\.text) }
                        case .rename(let dn):
                            object["operation"] = "rename"
                            object["dn"] = dn
                        case .delete:
                            object["operation"] = "delete"
                        }
                        EngineContext.printJSON(object)
                        continue
                    }
                    Terminal.print(
                        "\(name)\t\(export.anchor)\t\(Self.describe(export.operation))\(held ? "\t(held: deletion threshold)" : "")"
                    )
                    switch export.operation {
                    case .add(_, let attributes), .update(let attributes):
                        let current = space.objects[export.anchor]?.attributes ?? [:]
                        for attribute in attributes.keys.sorted() {
                            let before = (current[attribute] ?? []).map(\.text).joined(separator: " | ")
                            let after = attributes[attribute]!.map(\.text).joined(separator: " | ")
                            Terminal.print(
                                "\t\t\(attribute): \(before.isEmpty ? "∅" : before) → \(after.isEmpty ? "∅" : after)")
                        }
                    default: break
                    }
                }
            }
        }
    }
}

struct ApproveDeletesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve-deletes",
        abstract:
            "Approve deletes held by the deletion threshold: all of them, or the anchors listed in a file (one per line)."
    )

    @OptionGroup var deployment: DeploymentOptions
    @Argument(help: "The connector.") var connector: String
    @Flag(help: "Approve every held delete.") var all = false
    @Option(help: "A file of anchors to approve, one per line.") var anchors: String?

    func validate() throws {
        guard all != (anchors != nil) else { throw ValidationError("give exactly one of --all or --anchors FILE") }
    }

    func run() async throws {
        try await runReportingEngineErrors {
            let configuration = try deployment.loadConfiguration()
            var list: [Anchor]?
            if let anchors {
                guard let text = try? String(contentsOfFile: anchors, encoding: .utf8) else {
                    throw CLIFailure(message: "cannot read \(anchors)", exitCode: 2)
                }
                list = text.split(whereSeparator: \.isNewline).map {
                    Anchor(String($0).trimmingCharacters(in: .whitespaces))
                }
                .filter { !$0.rawValue.isEmpty }
            }
            let chosen = list
            let approved = try await withInterruptibleEngine(configuration) { engine in
                try await engine.approveDeletes(connector: connector, anchors: chosen)
            }
            Terminal.print("approved \(approved) held delete(s) on \(connector); the next export performs them")
        }
    }
}
