import ConnectorKit

/// Makes ``PluginConnector``s for connectors with `type: plugin`; the `plugin` setting names the plug-in,
/// found in the search path (Plugins/PROTOCOL.md § 1).
public struct PluginConnectorFactory: ConnectorFactory {
    /// Directories from the configuration's `pluginDirectories`, relative to its directory.
    public var configuredDirectories: [String]
    public var tandemVersion: String

    /// A factory that also searches `configuredDirectories`.
    public init(configuredDirectories: [String] = [], tandemVersion: String = "0.1.0") {
        self.configuredDirectories = configuredDirectories
        self.tandemVersion = tandemVersion
    }

    /// `plugin`.
    public var typeName: String { "plugin" }

    public func makeConnector(_ configuration: ConnectorConfiguration) throws -> any Connector {
        let name = try configuration.string("plugin")
        let catalog = PluginCatalog(
            searchPath: PluginCatalog.searchPath(
                baseDirectory: configuration.baseDirectory, configured: configuredDirectories))
        let manifest: PluginManifest
        do {
            manifest = try catalog.manifest(named: name)
        } catch {
            throw ConnectorError(error.code, "\(configuration.keyPath("plugin")): \(error.message)")
        }
        return try PluginConnector(manifest: manifest, configuration: configuration, tandemVersion: tandemVersion)
    }
}
