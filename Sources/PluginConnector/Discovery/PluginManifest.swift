import ConnectorKit
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A plug-in's `plugin.json`, read and checked (Plugins/PROTOCOL.md § 1).
public struct PluginManifest: Hashable, Sendable {
    public var name: String
    public var version: String
    public var protocolVersion: Int
    public var description: String?
    /// The program to run, as written.
    public var command: String
    public var arguments: [String]
    public var capabilities: PluginCapabilities
    /// The plug-in's folder, absolute.
    public var directory: String

    /// The manifest's path, for messages.
    public var path: String { directory + "/plugin.json" }

    /// Reads `directory/plugin.json`; the error names the file and what is wrong with it.
    public init(directory: String) throws(ConnectorError) {
        let path = directory + "/plugin.json"
        func invalid(_ problem: String) -> ConnectorError {
            ConnectorError(.invalidConfiguration, "\(path): \(problem)")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw invalid("cannot be read") }
        let json: JSONValue
        do {
            json = try JSONParser.parse(Array(data))
        } catch {
            throw invalid("is not valid JSON: \(error.message) at byte \(error.column)")
        }
        do {
            let fields = try MessageFields(json, path: "")
            name = try fields.string("name")
            version = try fields.string("version")
            let declared = try fields.integer("protocolVersion")
            command = try fields.string("command")
            arguments = try fields.stringArray("args", default: [])
            description = try fields.optionalString("description")
            capabilities = try PluginCapabilities(try fields.object("capabilities"))
            protocolVersion = Int(declared)
        } catch {
            throw invalid(error.description)
        }
        self.directory = directory
        let folder = URL(fileURLWithPath: directory).lastPathComponent
        guard name == folder else {
            throw invalid("name '\(name)' differs from its folder's name '\(folder)'; they must agree")
        }
        guard !name.isEmpty, name.utf8.allSatisfy({ Self.nameBytes.contains($0) }) else {
            throw invalid("name '\(name)' may hold only letters, digits, '-', '_' and '.'")
        }
        guard !command.isEmpty else { throw invalid("command is empty") }
    }

    private static let nameBytes = Set(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.".utf8)

    /// Refuses a plug-in of another protocol version, before it is started.
    public func checkProtocolVersion() throws(ConnectorError) {
        guard protocolVersion == PluginProtocol.version else {
            throw ConnectorError(
                .unsupported,
                "plug-in '\(name)': \(path) declares protocol version \(protocolVersion); this Tandem speaks version \(PluginProtocol.version)"
            )
        }
    }

    /// The absolute path of the program: relative to the plug-in's folder when the command holds a `/`, else
    /// looked up in `searchPath`.
    func resolveExecutable(searchPath: String?) throws(ConnectorError) -> String {
        if command.contains("/") {
            let path = command.hasPrefix("/") ? command : directory + "/" + command
            guard access(path, X_OK) == 0 else {
                throw ConnectorError(
                    .invalidConfiguration, "plug-in '\(name)': \(path) (its command in \(self.path)) is not executable")
            }
            return path
        }
        for folder in (searchPath ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let path = "\(folder)/\(command)"
            if access(path, X_OK) == 0 { return path }
        }
        throw ConnectorError(
            .invalidConfiguration,
            "plug-in '\(name)': its command '\(command)' (in \(path)) is not found in PATH; install it or give a path")
    }
}
