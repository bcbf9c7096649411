import ConnectorKit
import Foundation

/// The plug-ins Tandem can find, and where it looked (Plugins/PROTOCOL.md § 1).
public struct PluginCatalog: Sendable {
    /// One folder that looks like a plug-in (it holds `plugin.json`).
    public struct Entry: Sendable {
        /// The folder's name.
        public var name: String
        public var directory: String
        /// The manifest, or why it is not valid.
        public var manifest: Result<PluginManifest, ConnectorError>
        /// Whether a plug-in of the same name in an earlier directory hides this one.
        public var isShadowed: Bool
    }

    /// The directories searched, in order, absolute.
    public var searchPath: [String]
    /// Every plug-in folder found, in search order, then by name.
    public var entries: [Entry]

    /// Looks in `directories`, in order; the first plug-in of a name wins.
    public init(searchPath directories: [String]) {
        searchPath = directories.map { Self.absolute($0) }
        var seen = Set<String>()
        var found: [Entry] = []
        for directory in searchPath {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            for name in names.sorted() {
                let folder = directory + "/" + name
                guard FileManager.default.fileExists(atPath: folder + "/plugin.json") else { continue }
                let manifest = Result { () throws(ConnectorError) -> PluginManifest in
                    try PluginManifest(directory: folder)
                }
                found.append(Entry(name: name, directory: folder, manifest: manifest, isShadowed: seen.contains(name)))
                seen.insert(name)
            }
        }
        entries = found
    }

    /// The default search path: the configuration's `pluginDirectories` (resolved against `baseDirectory`),
    /// then `baseDirectory/Plugins`, then the directories in `TANDEM_PLUGIN_PATH`.
    public static func searchPath(
        baseDirectory: String, configured: [String] = [],
        environment: (String) -> String? = {
            ProcessInfo.processInfo.environment[$0]
        }
    ) -> [String] {
        var path = configured.map { $0.hasPrefix("/") ? $0 : baseDirectory + "/" + $0 }
        path.append(baseDirectory + "/Plugins")
        if let extra = environment("TANDEM_PLUGIN_PATH") {
            path += extra.split(separator: ":").map(String.init)
        }
        var unique: [String] = []
        for directory in path.map({ absolute($0) }) where !unique.contains(directory) { unique.append(directory) }
        return unique
    }

    /// The plug-in named `name`, checked: found, valid, and of this Tandem's protocol version.
    public func manifest(named name: String) throws(ConnectorError) -> PluginManifest {
        guard let entry = entries.first(where: { $0.name == name }) else {
            let known = entries.filter { !$0.isShadowed }.map(\.name)
            throw ConnectorError(
                .invalidConfiguration,
                "no plug-in named '\(name)' in \(searchPath.joined(separator: ", "))"
                    + (known.isEmpty ? "" : "; found: \(known.joined(separator: ", "))"))
        }
        let manifest = try entry.manifest.get()
        try manifest.checkProtocolVersion()
        return manifest
    }

    static func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return URL(fileURLWithPath: full).standardizedFileURL.path
    }
}
