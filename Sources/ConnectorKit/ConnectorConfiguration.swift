#if canImport(Glibc)
    import Glibc
#endif

/// A value in a connector's settings, as written in `tandem.yaml`.
public enum ConfigurationValue: Hashable, Sendable {
    case string(String)
    case integer(Int)
    case boolean(Bool)
    case list([ConfigurationValue])
    case map([String: ConfigurationValue])

    var typeName: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .boolean: "a boolean"
        case .list: "a list"
        case .map: "a map"
        }
    }
}

/// A secret read from an environment variable or a file. It never prints: `description` is redacted.
public struct Secret: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    private let value: String
    public init(_ value: String) { self.value = value }
    /// The secret itself; pass it straight to the system that needs it.
    public func reveal() -> String { value }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}

/// One connector's settings from the configuration, with typed accessors whose errors name
/// the key path (`connectors.hr.path`) and the line it is on.
public struct ConnectorConfiguration: Sendable {
    /// The connector's name in the configuration (`hr`, `directory`).
    public var name: String
    /// The registered type name (`file`, `ldap`, `scim`, `plugin`).
    public var type: String
    public var settings: [String: ConfigurationValue]
    /// Relative paths are resolved against this directory (the configuration file's).
    public var baseDirectory: String
    /// The line in the configuration file of each setting, for error messages.
    public var lines: [String: Int]
    /// Settings written as a YAML flow list (`[a, b]`) with unquoted items, which YAML splits at every comma:
    /// ``distinguishedNames(_:)`` refuses DNs written that way.
    public var unquotedFlowLists: Set<String>
    /// Reads environment variables; replaceable in tests.
    public var environment: @Sendable (String) -> String?

    public init(
        name: String, type: String, settings: [String: ConfigurationValue], baseDirectory: String = ".",
        lines: [String: Int] = [:], unquotedFlowLists: Set<String> = [],
        environment: @escaping @Sendable (String) -> String? = { getenv($0).map { String(cString: $0) } }
    ) {
        self.name = name
        self.type = type
        self.settings = settings
        self.baseDirectory = baseDirectory
        self.lines = lines
        self.unquotedFlowLists = unquotedFlowLists
        self.environment = environment
    }

    /// `connectors.NAME.KEY (line N)`, for messages.
    public func keyPath(_ key: String) -> String {
        let path = "connectors.\(name).\(key)"
        return lines[key].map { "\(path) (line \($0))" } ?? path
    }

    public func error(_ key: String, _ problem: String) -> ConnectorError {
        ConnectorError(.invalidConfiguration, "\(keyPath(key)): \(problem)")
    }

    public func optionalString(_ key: String) throws -> String? {
        switch settings[key] {
        case nil: return nil
        case .string(let value): return value
        case .integer(let value): return String(value)
        case .boolean(let value): return String(value)
        case let other?: throw error(key, "expected a string, found \(other.typeName)")
        }
    }

    public func string(_ key: String) throws -> String {
        guard let value = try optionalString(key) else { throw error(key, "required setting is missing") }
        return value
    }

    public func integer(_ key: String, default fallback: Int) throws -> Int {
        switch settings[key] {
        case nil: return fallback
        case .integer(let value): return value
        case .string(let text): if let value = Int(text) { return value }
        default: break
        }
        throw error(key, "expected an integer")
    }

    public func boolean(_ key: String, default fallback: Bool) throws -> Bool {
        switch settings[key] {
        case nil: return fallback
        case .boolean(let value): return value
        case .string("true"), .string("yes"): return true
        case .string("false"), .string("no"): return false
        default: throw error(key, "expected true or false")
        }
    }

    public func stringList(_ key: String) throws -> [String] {
        switch settings[key] {
        case nil: return []
        case .string(let value): return [value]
        case .list(let values):
            return try values.map {
                guard case .string(let text) = $0 else { throw error(key, "expected a list of strings") }
                return text
            }
        default: throw error(key, "expected a list of strings")
        }
    }

    /// A list of distinguished names. YAML splits an unquoted flow list at every comma, so
    /// `[ou=people,dc=example,dc=org]` arrives as three items that each look like a DN; such a list is refused with
    /// the fix (quote each DN, or use a block list), whenever it has several items and one of them holds an `=`.
    public func distinguishedNames(_ key: String) throws -> [String] {
        let names = try stringList(key)
        if unquotedFlowLists.contains(key), names.count > 1, names.contains(where: { $0.contains("=") }) {
            let written = "[" + names.joined(separator: ", ") + "]"
            throw error(
                key,
                "YAML splits an unquoted flow list at every comma, also the commas inside a DN, so \(written) "
                    + "may be pieces of fewer DNs; quote each DN, as in [\"ou=people,dc=example,dc=org\"], or "
                    + "write a block list with one '- DN' per line")
        }
        return names
    }

    public func stringMap(_ key: String) throws -> [String: String] {
        switch settings[key] {
        case nil: return [:]
        case .map(let entries):
            return try entries.mapValues {
                switch $0 {
                case .string(let text): return text
                case .integer(let value): return String(value)
                case .boolean(let value): return String(value)
                default: throw error(key, "expected a map of strings")
                }
            }
        default: throw error(key, "expected a map of strings")
        }
    }

    /// A path setting, resolved against ``baseDirectory`` when relative.
    public func path(_ key: String) throws -> String {
        let value = try string(key)
        return value.hasPrefix("/") ? value : baseDirectory + "/" + value
    }

    /// A secret named by `KEYEnv` (an environment variable) or `KEYFile` (a file whose first line is the secret).
    /// Secrets are never written in the configuration itself.
    public func secret(_ key: String) throws -> Secret? {
        if settings[key] != nil {
            throw error(key, "secrets are never written in the configuration; use \(key)Env or \(key)File")
        }
        if let variable = try optionalString(key + "Env") {
            guard let value = environment(variable), !value.isEmpty else {
                throw error(key + "Env", "environment variable \(variable) is not set")
            }
            return Secret(value)
        }
        if settings[key + "File"] != nil {
            let path = try self.path(key + "File")
            guard let file = fopen(path, "r") else { throw error(key + "File", "cannot read \(path)") }
            defer { fclose(file) }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = fread(&buffer, 1, buffer.count, file)
                if count <= 0 { break }
                bytes += buffer[0..<count]
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let firstLine = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            guard !firstLine.isEmpty else { throw error(key + "File", "\(path) is empty") }
            return Secret(firstLine.hasSuffix("\r") ? String(firstLine.dropLast()) : firstLine)
        }
        return nil
    }
}

/// Makes connectors of one type from their configuration. Built-in connectors register a
/// factory at compile time (``ConnectorRegistry``).
public protocol ConnectorFactory: Sendable {
    /// The `type:` value in the configuration (`file`, `ldap`, `scim`).
    var typeName: String { get }
    func makeConnector(_ configuration: ConnectorConfiguration) throws -> any Connector
}

/// The connector types Tandem knows, by type name.
public struct ConnectorRegistry: Sendable {
    private var factories: [String: any ConnectorFactory] = [:]

    public init(_ factories: [any ConnectorFactory] = []) {
        for factory in factories { register(factory) }
    }

    public mutating func register(_ factory: any ConnectorFactory) {
        precondition(factories[factory.typeName] == nil, "connector type \(factory.typeName) registered twice")
        factories[factory.typeName] = factory
    }

    public var typeNames: [String] { factories.keys.sorted() }

    public func makeConnector(_ configuration: ConnectorConfiguration) throws -> any Connector {
        guard let factory = factories[configuration.type] else {
            throw configuration.error(
                "type",
                "unknown connector type '\(configuration.type)'; known types: \(typeNames.joined(separator: ", "))")
        }
        return try factory.makeConnector(configuration)
    }
}
