import ConnectorKit
import Foundation

/// A plug-in connector's settings from `tandem.yaml` (Plugins/PROTOCOL.md § 2): Tandem's own keys, the
/// plug-in's settings, and its secrets.
struct PluginConnectorSettings: Sendable {
    /// The keys Tandem reads itself; every other key belongs to the plug-in.
    static let ownKeys: Set<String> = ["plugin", "startTimeout", "responseTimeout"]

    /// The connector's name in the configuration.
    var connector: String
    var pluginName: String
    /// Sent in `hello.settings`.
    var pluginSettings: [String: ConfigurationValue]
    /// Sent in `hello.secrets`; never logged.
    var secrets: [String: Secret]
    /// The configuration file's directory, absolute.
    var baseDirectory: String
    var startTimeout: Duration
    var responseTimeout: Duration
    /// The configuration key of the response timeout, for messages (`connectors.hr.responseTimeout`).
    var responseTimeoutKey: String

    init(_ configuration: ConnectorConfiguration) throws {
        connector = configuration.name
        pluginName = try configuration.string("plugin")
        baseDirectory = PluginCatalog.absolute(configuration.baseDirectory)
        func seconds(_ key: String, default fallback: Int) throws -> Duration {
            let value = try configuration.integer(key, default: fallback)
            guard value > 0 else { throw configuration.error(key, "must be at least 1 (seconds)") }
            return .seconds(value)
        }
        startTimeout = try seconds("startTimeout", default: 30)
        responseTimeout = try seconds("responseTimeout", default: 120)
        responseTimeoutKey = configuration.keyPath("responseTimeout")
        var settings: [String: ConfigurationValue] = [:]
        var secrets: [String: Secret] = [:]
        for (key, value) in configuration.settings where !Self.ownKeys.contains(key) {
            let secretName: String? =
                if key.hasSuffix("Env") && key.count > 3 {
                    String(key.dropLast(3))
                } else if key.hasSuffix("File") && key.count > 4 {
                    String(key.dropLast(4))
                } else {
                    nil
                }
            if let secretName {
                if let secret = try configuration.secret(secretName) { secrets[secretName] = secret }
            } else {
                settings[key] = value
            }
        }
        pluginSettings = settings
        self.secrets = secrets
    }

    /// Replaces every secret's value in `text` by `<redacted>`: for the plug-in's log lines.
    func redact(_ text: String) -> String {
        var text = text
        for secret in secrets.values where !secret.reveal().isEmpty {
            text = text.replacingOccurrences(of: secret.reveal(), with: "<redacted>")
        }
        return text
    }

    /// The child's environment: a few variables from Tandem's, never a secret (§ 2).
    func environment(for manifest: PluginManifest, from parent: [String: String]) -> [String: String] {
        var environment: [String: String] = [:]
        for key in ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR"] { environment[key] = parent[key] }
        environment["TANDEM_PLUGIN_DIR"] = manifest.directory
        environment["TANDEM_CONNECTOR"] = connector
        environment["TANDEM_PROTOCOL_VERSION"] = String(PluginProtocol.version)
        return environment
    }

    /// The `hello` message (§ 4.1), with the request id 1.
    func hello(tandemVersion: String) -> [UInt8] {
        var writer = JSONWriter()
        writer.raw("{\"type\":\"hello\",\"id\":1,\"protocolVersion\":")
        writer.integer(PluginProtocol.version)
        writer.key("tandemVersion")
        writer.string(tandemVersion)
        writer.key("connector")
        writer.string(connector)
        writer.key("baseDirectory")
        writer.string(baseDirectory)
        writer.key("settings")
        writer.value(.object(pluginSettings.mapValues(Self.json)))
        writer.key("secrets")
        writer.value(.object(secrets.mapValues { .string($0.reveal()) }))
        writer.raw("}\n")
        return writer.bytes
    }

    private static func json(_ value: ConfigurationValue) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .integer(let number): .integer(Int64(number))
        case .boolean(let flag): .boolean(flag)
        case .list(let values): .array(values.map(json))
        case .map(let entries): .object(entries.mapValues(json))
        }
    }
}
