import ArgumentParser
import ConnectorKit
import Foundation
import PluginConnector
import TandemEngine

/// `tandem connector …`: commands that talk to one configured connector, of any type.
struct ConnectorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connector",
        abstract: "Test a configured connector or show its connected system's schema.",
        subcommands: [ConnectorTestCommand.self, ConnectorSchemaCommand.self]
    )

    /// Makes the connector named `name` from the configuration, or says which names exist.
    static func make(_ name: String, _ configuration: Configuration) throws -> (ConnectorConfiguration, any Connector) {
        guard let settings = configuration.connector(name) else {
            throw EngineError(
                .notFound,
                "no connector named '\(name)' is configured; configured: \(configuration.connectors.map(\.name).joined(separator: ", "))"
            )
        }
        return (settings, try EngineContext.registry(for: configuration).makeConnector(settings))
    }

    /// Ends what the connector started (a plug-in's process).
    static func close(_ connector: any Connector) async {
        await (connector as? PluginConnector)?.shutDown()
    }
}

struct ConnectorTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Connect to a connector's system, check its credentials, read its schema, and report what works.",
        discussion: "Exits with status 1 when a step fails. Writes nothing, to the journal or the system."
    )

    @Argument(help: "The connector's name in the configuration.") var name: String
    @OptionGroup var deployment: DeploymentOptions
    @Flag(help: "Print one JSON object.") var json = false

    func run() async throws {
        try await runReportingEngineErrors {
            let configuration = try deployment.loadConfiguration()
            let (settings, connector) = try ConnectorCommand.make(name, configuration)
            var steps: [(step: String, ok: Bool, details: [String])] = []
            do {
                if let plugin = connector as? PluginConnector {
                    steps.append(("connect", true, try await plugin.testDetails()))
                } else {
                    try await connector.testConnection()
                    steps.append(("connect", true, []))
                }
            } catch {
                steps.append(("connect", false, ["\(error)"]))
            }
            if steps[0].ok {
                do {
                    let schema = try await connector.schema()
                    steps.append(("schema", true, ConnectorSchemaCommand.summary(schema, connector.capabilities)))
                } catch {
                    steps.append(("schema", false, ["\(error)"]))
                }
            }
            let capabilities = connector.capabilities
            let export = capabilities.exportOperations.map(\.rawValue).sorted()
            let works = [
                "full import",
                capabilities.supportsDeltaImport ? "delta import" : nil,
                export.isEmpty ? nil : "export (\(export.joined(separator: ", ")))",
            ].compactMap { $0 }
            await ConnectorCommand.close(connector)
            let ok = steps.allSatisfy(\.ok)
            if json {
                EngineContext.printJSON(
                    [
                        "connector": name, "type": settings.type, "ok": ok,
                        "steps": steps.map { ["step": $0.step, "ok": $0.ok, "details": $0.details] as [String: Any] },
                        "supports": works,
                    ] as [String: Any])
            } else {
                Terminal.print("connector \(name) (\(settings.type))")
                for step in steps {
                    Terminal.print("  \(step.ok ? "ok    " : "FAILED") \(step.step)")
                    for line in step.details { Terminal.print("         \(line)") }
                }
                Terminal.print("  supports: \(works.joined(separator: ", "))")
            }
            if !ok { throw ExitCode(1) }
        }
    }
}

struct ConnectorSchemaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Show the object types and attributes of a connector's system, as the connector reads them."
    )

    @Argument(help: "The connector's name in the configuration.") var name: String
    @OptionGroup var deployment: DeploymentOptions
    @Flag(help: "Print one JSON object.") var json = false

    func run() async throws {
        try await runReportingEngineErrors {
            let configuration = try deployment.loadConfiguration()
            let (settings, connector) = try ConnectorCommand.make(name, configuration)
            let schema: ConnectorSchema
            do {
                schema = try await connector.schema()
            } catch {
                await ConnectorCommand.close(connector)
                throw error
            }
            await ConnectorCommand.close(connector)
            if json {
                EngineContext.printJSON(
                    [
                        "connector": name, "type": settings.type,
                        "objectClasses": schema.objectClasses.map { objectClass in
                            [
                                "objectType": objectClass.objectType.rawValue,
                                "anchorAttribute": objectClass.anchorAttribute,
                                "attributes": objectClass.attributes.map { attribute in
                                    [
                                        "name": attribute.name, "kind": attribute.kind.rawValue,
                                        "multiValued": attribute.isMultiValued, "required": attribute.isRequired,
                                        "referencedTypes": attribute.referencedTypes.map(\.rawValue),
                                    ] as [String: Any]
                                },
                            ] as [String: Any]
                        },
                    ] as [String: Any])
                return
            }
            for objectClass in schema.objectClasses {
                Terminal.print("\(objectClass.objectType) (anchor: \(objectClass.anchorAttribute))")
                for attribute in objectClass.attributes {
                    var line = "  \(attribute.name): \(attribute.kind.rawValue)"
                    if attribute.kind == .reference && !attribute.referencedTypes.isEmpty {
                        line += " → \(attribute.referencedTypes.map(\.rawValue).joined(separator: ", "))"
                    }
                    if attribute.isMultiValued { line += ", multi-valued" }
                    if attribute.isRequired { line += ", required" }
                    Terminal.print(line)
                }
            }
        }
    }

    /// One line per object class: `person: 12 attributes (anchor employeeId)`.
    static func summary(_ schema: ConnectorSchema, _ capabilities: ConnectorCapabilities) -> [String] {
        var lines = schema.objectClasses.map {
            "\($0.objectType): \($0.attributes.count) attributes (anchor \($0.anchorAttribute))"
        }
        for type in capabilities.objectTypes where schema.objectClass(type) == nil {
            lines.append("\(type): missing from the schema, though the capabilities list it")
        }
        return lines
    }
}
