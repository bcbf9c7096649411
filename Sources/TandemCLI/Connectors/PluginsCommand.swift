import ArgumentParser
import ConnectorKit
import Foundation
import PluginConnector
import TandemEngine

/// `tandem plugins …`: the out-of-process connectors Tandem can find.
struct PluginsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "Out-of-process connector plug-ins (Plugins/PROTOCOL.md).",
        subcommands: [PluginsListCommand.self]
    )
}

struct PluginsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the plug-ins found, where, and whether each is usable.",
        discussion: """
            Searches the configuration's pluginDirectories, then Plugins/ beside the configuration file
            (or in the working directory when there is none), then the directories in TANDEM_PLUGIN_PATH.
            Exits with status 1 when a plug-in's plugin.json is invalid.
            """
    )

    @OptionGroup var deployment: DeploymentOptions
    @Flag(help: "Print one JSON object.") var json = false

    func run() async throws {
        try await runReportingEngineErrors {
            let catalog = try catalog()
            let invalid = catalog.entries.filter { (try? $0.manifest.get()) == nil }
            if json {
                EngineContext.printJSON(
                    [
                        "searchPath": catalog.searchPath,
                        "plugins": catalog.entries.map(Self.jsonObject),
                    ] as [String: Any])
            } else {
                Terminal.print("search path: \(catalog.searchPath.joined(separator: ":"))")
                if catalog.entries.isEmpty { Terminal.print("no plug-ins found") }
                for entry in catalog.entries {
                    switch entry.manifest {
                    case .success(let manifest):
                        var line = "\(manifest.name) \(manifest.version) (protocol \(manifest.protocolVersion))"
                        if manifest.protocolVersion != PluginProtocol.version {
                            line += " unusable: this Tandem speaks protocol \(PluginProtocol.version)"
                        }
                        if entry.isShadowed { line += " shadowed by an earlier directory" }
                        Terminal.print(line)
                        Terminal.print("    \(manifest.directory)")
                        if let description = manifest.description { Terminal.print("    \(description)") }
                        let capabilities = manifest.capabilities
                        let export = capabilities.exportOperations.map(\.rawValue).sorted()
                        Terminal.print(
                            "    object types: \(capabilities.objectTypes.map(\.rawValue).joined(separator: ", "));"
                                + " delta import: \(capabilities.deltaImport ? "yes" : "no");"
                                + " export: \(export.isEmpty ? "none" : export.joined(separator: ", "))")
                    case .failure(let error):
                        Terminal.print("\(entry.name) invalid")
                        Terminal.print("    \(error.message)")
                    }
                }
            }
            if !invalid.isEmpty { throw ExitCode(1) }
        }
    }

    /// With a configuration file, its search path; without one, `Plugins/` in the working directory.
    private func catalog() throws -> PluginCatalog {
        if FileManager.default.fileExists(atPath: deployment.config) {
            let configuration = try deployment.loadConfiguration()
            return PluginCatalog(
                searchPath: PluginCatalog.searchPath(
                    baseDirectory: configuration.baseDirectory, configured: configuration.pluginDirectories))
        }
        deployment.global.bootstrapLogging()
        return PluginCatalog(
            searchPath: PluginCatalog.searchPath(baseDirectory: FileManager.default.currentDirectoryPath))
    }

    private static func jsonObject(_ entry: PluginCatalog.Entry) -> [String: Any] {
        switch entry.manifest {
        case .success(let manifest):
            let capabilities = manifest.capabilities
            return [
                "name": manifest.name, "version": manifest.version, "protocolVersion": manifest.protocolVersion,
                "directory": manifest.directory, "description": manifest.description ?? NSNull(),
                "usable": manifest.protocolVersion == PluginProtocol.version && !entry.isShadowed,
                "shadowed": entry.isShadowed,
                "capabilities": [
                    "objectTypes": capabilities.objectTypes.map(\.rawValue), "deltaImport": capabilities.deltaImport,
                    "export": capabilities.exportOperations.map(\.rawValue).sorted(),
                    "referenceAttributes": capabilities.referenceAttributes.sorted(), "pageSize": capabilities.pageSize,
                ] as [String: Any],
            ]
        case .failure(let error):
            return [
                "name": entry.name, "directory": entry.directory, "usable": false, "shadowed": entry.isShadowed,
                "error": error.message,
            ]
        }
    }
}
