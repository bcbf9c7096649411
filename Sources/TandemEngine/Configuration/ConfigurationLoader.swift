import ConnectorKit
import Foundation
import Yams

/// Reads `tandem.yaml`. Every mistake is an ``EngineError`` naming the key path and line,
/// e.g. `rules[1].scope[0][0].op (line 27): unknown operator 'equals'; expected one of …`.
public enum ConfigurationLoader {
    public static func load(path: String) throws -> Configuration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EngineError(.configuration, "cannot read the configuration file \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw EngineError(.configuration, "\(path) is not UTF-8 text")
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().standardizedFileURL.path
        return try parse(text, baseDirectory: base, file: path)
    }

    public static func parse(_ text: String, baseDirectory: String, file: String = "tandem.yaml") throws
        -> Configuration
    {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw EngineError(.configuration, "\(file) is empty")
            }
            root = node
        } catch let error as EngineError {
            throw error
        } catch let error as YamlError {
            throw EngineError(.configuration, "\(file) is not valid YAML: \(Self.describe(error))")
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return try Reader(file: file, baseDirectory: baseDirectory, lines: lines).configuration(root)
    }

    private static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            return "line \(mark.line), column \(mark.column): \(problem)\(context.map { " \($0.text)" } ?? "")"
        default:
            return "\(error)"
        }
    }
}

/// Walks the YAML node tree, keeping the key path for error messages.
private struct Reader {
    let file: String
    let baseDirectory: String
    /// The text's lines, to see how a node was written.
    let lines: [Substring]

    func fail(_ path: String, _ node: Node?, _ problem: String) -> EngineError {
        let line = node?.mark.map { " (line \($0.line))" } ?? ""
        return EngineError(.configuration, "\(file): \(path)\(line): \(problem)")
    }

    func mapping(_ node: Node, _ path: String) throws -> Node.Mapping {
        guard case .mapping(let mapping) = node else { throw fail(path, node, "expected a map") }
        return mapping
    }

    func sequence(_ node: Node, _ path: String) throws -> [Node] {
        guard case .sequence(let sequence) = node else { throw fail(path, node, "expected a list") }
        return Array(sequence)
    }

    func string(_ node: Node, _ path: String) throws -> String {
        guard case .scalar(let scalar) = node else { throw fail(path, node, "expected a single value") }
        return scalar.string
    }

    func integer(_ node: Node, _ path: String) throws -> Int {
        guard let value = Int(try string(node, path)) else { throw fail(path, node, "expected a whole number") }
        return value
    }

    func boolean(_ node: Node, _ path: String) throws -> Bool {
        switch try string(node, path).lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw fail(path, node, "expected true or false")
        }
    }

    /// The entries of a map, rejecting keys not in `allowed` so that typos never pass silently.
    func entries(_ node: Node, _ path: String, allowed: Set<String>? = nil) throws -> [(String, Node, Node)] {
        try mapping(node, path).map { key, value in
            let name = try string(key, path)
            if let allowed, !allowed.contains(name) {
                throw fail(
                    path.isEmpty ? name : "\(path).\(name)", key,
                    "unknown key; expected one of \(allowed.sorted().joined(separator: ", "))")
            }
            return (name, key, value)
        }
    }

    func configuration(_ root: Node) throws -> Configuration {
        let keys: Set = [
            "dataDir", "exportDeletionThreshold", "errorLimit", "schedule", "connectors", "metaverse", "rules",
            "server", "checkpoints", "retention",
            "pluginDirectories",
        ]
        var dataDirectory = baseDirectory + "/data"
        var connectors: [ConnectorConfiguration] = []
        var metaverse: [ObjectType: MetaverseTypeConfiguration] = [:]
        var inbound: [InboundRule] = []
        var outbound: [OutboundRule] = []
        var threshold = DeletionThreshold()
        var errorLimit = 5_000
        var interval = Duration.seconds(1_800)
        var server = ServerSettings()
        var checkpointInterval: UInt64 = 10_000
        var retention: RetentionPolicy?
        var pluginDirectories: [String] = []
        for (key, _, value) in try entries(root, "", allowed: keys) {
            switch key {
            case "dataDir":
                let path = try string(value, key)
                dataDirectory = path.hasPrefix("/") ? path : baseDirectory + "/" + path
            case "exportDeletionThreshold":
                threshold = try deletionThreshold(value, key)
            case "errorLimit":
                errorLimit = try integer(value, key)
                guard errorLimit > 0 else { throw fail(key, value, "must be at least 1") }
            case "schedule":
                for (name, _, setting) in try entries(value, key, allowed: ["interval"]) {
                    interval = try duration(setting, "\(key).\(name)")
                }
            case "server":
                server = try serverSettings(value, key)
            case "pluginDirectories":
                pluginDirectories = try sequence(value, key).enumerated().map { index, node in
                    let path = try string(node, "\(key)[\(index)]")
                    return path.hasPrefix("/") ? path : baseDirectory + "/" + path
                }
            case "connectors":
                for (name, _, setting) in try entries(value, key) {
                    connectors.append(try connector(name, setting, "connectors.\(name)"))
                }
            case "metaverse":
                for (name, _, setting) in try entries(value, key) {
                    var type = MetaverseTypeConfiguration()
                    if case .mapping = setting {
                        for (field, _, fieldValue) in try entries(setting, "metaverse.\(name)", allowed: ["unique"]) {
                            type.unique = try sequence(fieldValue, "metaverse.\(name).\(field)").enumerated().map {
                                try string($1, "metaverse.\(name).\(field)[\($0)]")
                            }
                        }
                    }
                    metaverse[ObjectType(name)] = type
                }
            case "rules":
                for (index, node) in try sequence(value, key).enumerated() {
                    switch try rule(node, "rules[\(index)]") {
                    case .inbound(let rule): inbound.append(rule)
                    case .outbound(let rule): outbound.append(rule)
                    }
                }
            case "checkpoints":
                for (name, _, setting) in try entries(value, key, allowed: ["every"]) {
                    let every = try integer(setting, "\(key).\(name)")
                    guard every >= 2 else { throw fail("\(key).\(name)", setting, "must be at least 2 events") }
                    checkpointInterval = UInt64(every)
                }
            case "retention":
                var policy = RetentionPolicy()
                for (name, _, setting) in try entries(
                    value, key, allowed: ["maxAge", "maxBytes", "restoreWindow"])
                {
                    switch name {
                    case "maxAge": policy.maxAge = try duration(setting, "\(key).\(name)")
                    case "maxBytes":
                        let bytes = try integer(setting, "\(key).\(name)")
                        guard bytes > 0 else { throw fail("\(key).\(name)", setting, "must be a positive byte count") }
                        policy.maxBytes = Int64(bytes)
                    default: policy.restoreWindow = try duration(setting, "\(key).\(name)")
                    }
                }
                if let maxAge = policy.maxAge, maxAge < policy.restoreWindow {
                    throw fail(key, value, "maxAge must be at least restoreWindow (\(policy.restoreWindow))")
                }
                retention = policy
            default:
                break
            }
        }
        var configuration = Configuration(
            baseDirectory: baseDirectory, dataDirectory: dataDirectory, connectors: connectors, metaverse: metaverse,
            inboundRules: inbound, outboundRules: outbound, deletionThreshold: threshold, errorLimit: errorLimit,
            scheduleInterval: interval)
        configuration.server = server
        configuration.checkpointInterval = checkpointInterval
        configuration.retention = retention
        configuration.pluginDirectories = pluginDirectories
        try validate(configuration, root)
        return configuration
    }

    func deletionThreshold(_ node: Node, _ path: String) throws -> DeletionThreshold {
        var threshold = DeletionThreshold()
        for (key, _, value) in try entries(node, path, allowed: ["count", "percent", "enabled"]) {
            switch key {
            case "count": threshold.count = try integer(value, "\(path).count")
            case "percent":
                threshold.percent = try integer(value, "\(path).percent")
                guard (0...100).contains(threshold.percent) else {
                    throw fail("\(path).percent", value, "must be 0–100")
                }
            default: threshold.enabled = try boolean(value, "\(path).enabled")
            }
        }
        return threshold
    }

    func serverSettings(_ node: Node, _ path: String) throws -> ServerSettings {
        var server = ServerSettings()
        func resolved(_ value: Node, _ key: String) throws -> String {
            let file = try string(value, key)
            guard !file.isEmpty else { throw fail(key, value, "expected a path") }
            return file.hasPrefix("/") ? file : baseDirectory + "/" + file
        }
        let keys: Set = [
            "listen", "role", "primary", "tokenFile", "tokenEnv", "token", "tls", "authority", "bootstrap",
            "bootstrapThreshold",
        ]
        for (key, keyNode, value) in try entries(node, path, allowed: keys) {
            let here = "\(path).\(key)"
            switch key {
            case "listen":
                guard let address = ServerSettings.parseListenAddress(try string(value, here)) else {
                    throw fail(here, value, "expected HOST:PORT, e.g. 127.0.0.1:8420")
                }
                (server.listenHost, server.listenPort) = address
            case "role":
                let text = try string(value, here)
                guard let role = ServerSettings.Role(rawValue: text) else {
                    throw fail(here, value, "unknown role '\(text)'; expected active or staging")
                }
                server.role = role
            case "primary":
                let url = try string(value, here)
                guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                    throw fail(here, value, "expected an http:// or https:// URL")
                }
                server.primaryURL = url
            case "tokenFile":
                server.token = .file(try resolved(value, here))
            case "tokenEnv":
                server.token = .environment(try string(value, here))
            case "token":
                throw fail(here, keyNode, "secrets are never written in the configuration; use tokenFile or tokenEnv")
            case "authority":
                server.authority = try authoritySettings(value, here)
            case "bootstrap":
                let text = try string(value, here)
                guard ["auto", "checkpoint", "journal"].contains(text) else {
                    throw fail(here, value, "unknown bootstrap '\(text)'; expected auto, checkpoint or journal")
                }
                server.bootstrap = text
            case "bootstrapThreshold":
                let events = try integer(value, here)
                guard events >= 0 else { throw fail(here, value, "expected a number of events, at least 0") }
                server.bootstrapThresholdSeqs = UInt64(events)
            default:
                for (field, _, setting) in try entries(value, here, allowed: ["certificate", "key", "ca"]) {
                    let file = try resolved(setting, "\(here).\(field)")
                    switch field {
                    case "certificate": server.tlsCertificatePath = file
                    case "key": server.tlsKeyPath = file
                    default: server.tlsCAPath = file
                    }
                }
                guard (server.tlsCertificatePath == nil) == (server.tlsKeyPath == nil) else {
                    throw fail(here, value, "give both certificate and key, or neither")
                }
            }
        }
        return server
    }

    /// `server.authority`: the epoch authority, its password by reference only.
    func authoritySettings(_ node: Node, _ path: String) throws -> AuthoritySettings {
        var url: String?
        var settings = AuthoritySettings(url: "")
        let keys: Set = ["url", "deployment", "serverId", "leaseSeconds", "passwordEnv", "passwordFile", "password"]
        for (key, keyNode, value) in try entries(node, path, allowed: keys) {
            let here = "\(path).\(key)"
            switch key {
            case "url":
                let text = try string(value, here)
                if let problem = AuthoritySettings.problem(withURL: text) { throw fail(here, value, problem) }
                url = text
            case "deployment":
                let name = try string(value, here)
                guard !name.isEmpty else { throw fail(here, value, "expected the deployment's name") }
                settings.deployment = name
            case "serverId":
                let name = try string(value, here)
                guard !name.isEmpty else { throw fail(here, value, "expected this server's name") }
                settings.serverID = name
            case "leaseSeconds":
                guard let seconds = Double(try string(value, here)), seconds.isFinite, seconds >= 1 else {
                    throw fail(here, value, "expected a number of seconds, at least 1")
                }
                settings.leaseSeconds = seconds
            case "passwordEnv", "passwordFile":
                guard settings.password == nil else {
                    throw fail(here, keyNode, "give passwordEnv or passwordFile, not both")
                }
                let text = try string(value, here)
                guard !text.isEmpty else { throw fail(here, value, "expected a name") }
                settings.password =
                    key == "passwordEnv"
                    ? .environment(text) : .file(text.hasPrefix("/") ? text : baseDirectory + "/" + text)
            default:
                throw fail(
                    here, keyNode, "secrets are never written in the configuration; use passwordEnv or passwordFile")
            }
        }
        guard let url else {
            throw fail(path, node, "the epoch authority needs a url (postgres://USER@HOST:PORT/DATABASE)")
        }
        settings.url = url
        return settings
    }

    /// `30m`, `1h`, `45s`, `2h30m`, `7d`.
    func duration(_ node: Node, _ path: String) throws -> Duration {
        let text = try string(node, path)
        var seconds = 0
        var number = ""
        for character in text {
            if character.isNumber {
                number.append(character)
                continue
            }
            guard let value = Int(number) else { throw fail(path, node, "expected a duration like 30m, 1h or 45s") }
            switch character {
            case "d": seconds += value * 86_400
            case "h": seconds += value * 3600
            case "m": seconds += value * 60
            case "s": seconds += value
            default: throw fail(path, node, "expected a duration like 30m, 1h or 45s")
            }
            number = ""
        }
        guard number.isEmpty, seconds > 0 else { throw fail(path, node, "expected a duration like 30m, 1h or 45s") }
        return .seconds(seconds)
    }

    func connector(_ name: String, _ node: Node, _ path: String) throws -> ConnectorConfiguration {
        var type: String?
        var settings: [String: ConfigurationValue] = [:]
        var lines: [String: Int] = [:]
        var unquotedFlowLists: Set<String> = []
        for (key, keyNode, value) in try entries(node, path) {
            lines[key] = keyNode.mark?.line
            if case .sequence(let items) = value, isFlowList(value),
                items.contains(where: { $0.scalar?.style == .plain })
            {
                unquotedFlowLists.insert(key)
            }
            if key == "type" {
                type = try string(value, "\(path).type")
            } else {
                settings[key] = try configurationValue(value, "\(path).\(key)")
            }
        }
        guard let type else { throw fail("\(path).type", node, "required setting is missing") }
        return ConnectorConfiguration(
            name: name, type: type, settings: settings, baseDirectory: baseDirectory, lines: lines,
            unquotedFlowLists: unquotedFlowLists)
    }

    /// Whether a sequence is written `[a, b]`. Not `Node.Sequence.style`: Yams (5.x) takes it from the sequence's
    /// end event, where it is always `any`.
    func isFlowList(_ node: Node) -> Bool {
        guard let mark = node.mark, mark.line >= 1, mark.line <= lines.count else { return false }
        let line = lines[mark.line - 1]
        guard mark.column >= 1, mark.column <= line.count else { return false }
        return line[line.index(line.startIndex, offsetBy: mark.column - 1)] == "["
    }

    func configurationValue(_ node: Node, _ path: String) throws -> ConfigurationValue {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain {
                if let number = Int(scalar.string) { return .integer(number) }
                if ["true", "false"].contains(scalar.string) { return .boolean(scalar.string == "true") }
            }
            return .string(scalar.string)
        case .sequence(let items):
            return .list(try items.enumerated().map { try configurationValue($1, "\(path)[\($0)]") })
        case .mapping:
            var result: [String: ConfigurationValue] = [:]
            for (key, _, value) in try entries(node, path) {
                result[key] = try configurationValue(value, "\(path).\(key)")
            }
            return .map(result)
        }
    }

    enum AnyRule {
        case inbound(InboundRule)
        case outbound(OutboundRule)
    }

    func rule(_ node: Node, _ path: String) throws -> AnyRule {
        let fields = try Dictionary(entries(node, path).map { ($0.0, ($0.1, $0.2)) }, uniquingKeysWith: { a, _ in a })
        func required(_ key: String) throws -> String {
            guard let (_, value) = fields[key] else {
                throw fail("\(path).\(key)", node, "required setting is missing")
            }
            return try string(value, "\(path).\(key)")
        }
        let name = try required("name")
        let direction = try required("direction")
        let common: Set = ["name", "direction", "connector", "from", "to", "precedence", "scope", "join", "flows"]
        let scope = try fields["scope"].map { try scopingFilter($0.1, "\(path).scope") } ?? ScopingFilter()
        let join = try fields["join"].map { try joinGroups($0.1, "\(path).join") } ?? []
        let flows = try fields["flows"].map { try self.flows($0.1, "\(path).flows") } ?? []
        let precedence = try fields["precedence"].map { try integer($0.1, "\(path).precedence") } ?? 100
        switch direction {
        case "inbound":
            _ = try entries(node, path, allowed: common.union(["projection"]))
            return .inbound(
                InboundRule(
                    name: name, connector: try required("connector"), sourceType: ObjectType(try required("from")),
                    targetType: ObjectType(try required("to")), precedence: precedence, scope: scope, join: join,
                    projection: try fields["projection"].map { try boolean($0.1, "\(path).projection") } ?? false,
                    flows: flows))
        case "outbound":
            _ = try entries(node, path, allowed: common.union(["provision", "deprovision", "dn"]))
            var deprovision = Deprovisioning.disconnect
            if let (_, value) = fields["deprovision"] {
                let text = try string(value, "\(path).deprovision")
                guard let parsed = Deprovisioning(rawValue: text) else {
                    throw fail("\(path).deprovision", value, "unknown value '\(text)'; expected delete or disconnect")
                }
                deprovision = parsed
            }
            return .outbound(
                OutboundRule(
                    name: name, connector: try required("connector"), sourceType: ObjectType(try required("from")),
                    targetType: ObjectType(try required("to")), precedence: precedence, scope: scope, join: join,
                    provision: try fields["provision"].map { try boolean($0.1, "\(path).provision") } ?? false,
                    deprovision: deprovision,
                    distinguishedName: try fields["dn"].map { try string($0.1, "\(path).dn") },
                    flows: flows))
        default:
            throw fail(
                "\(path).direction", fields["direction"]?.1,
                "unknown direction '\(direction)'; expected inbound or outbound")
        }
    }

    func scopingFilter(_ node: Node, _ path: String) throws -> ScopingFilter {
        var groups: [[ScopingFilter.Condition]] = []
        for (g, group) in try sequence(node, path).enumerated() {
            var conditions: [ScopingFilter.Condition] = []
            for (c, conditionNode) in try sequence(group, "\(path)[\(g)]").enumerated() {
                let conditionPath = "\(path)[\(g)][\(c)]"
                var attribute: String?
                var op: ScopingFilter.Operator?
                var values: [String] = []
                for (key, _, value) in try entries(
                    conditionNode, conditionPath, allowed: ["attribute", "op", "value", "values"])
                {
                    switch key {
                    case "attribute": attribute = try string(value, "\(conditionPath).attribute")
                    case "op":
                        let text = try string(value, "\(conditionPath).op")
                        guard let parsed = ScopingFilter.Operator(rawValue: text) else {
                            throw fail(
                                "\(conditionPath).op", value,
                                "unknown operator '\(text)'; expected one of \(ScopingFilter.Operator.allCases.map(\.rawValue).joined(separator: ", "))"
                            )
                        }
                        op = parsed
                    case "value": values = [try string(value, "\(conditionPath).value")]
                    default:
                        values = try sequence(value, "\(conditionPath).values").enumerated().map {
                            try string($1, "\(conditionPath).values[\($0)]")
                        }
                    }
                }
                guard let attribute else {
                    throw fail("\(conditionPath).attribute", conditionNode, "required setting is missing")
                }
                guard let op else { throw fail("\(conditionPath).op", conditionNode, "required setting is missing") }
                if ![.present, .absent].contains(op) && values.isEmpty {
                    throw fail(conditionPath, conditionNode, "operator \(op.rawValue) needs a value")
                }
                conditions.append(ScopingFilter.Condition(attribute: attribute, op: op, values: values))
            }
            groups.append(conditions)
        }
        return ScopingFilter(groups: groups)
    }

    func joinGroups(_ node: Node, _ path: String) throws -> [[JoinCondition]] {
        try sequence(node, path).enumerated().map { g, group in
            try sequence(group, "\(path)[\(g)]").enumerated().map { c, conditionNode in
                let conditionPath = "\(path)[\(g)][\(c)]"
                var source: String?
                var target: String?
                for (key, _, value) in try entries(conditionNode, conditionPath, allowed: ["source", "target"]) {
                    if key == "source" {
                        source = try string(value, "\(conditionPath).source")
                    } else {
                        target = try string(value, "\(conditionPath).target")
                    }
                }
                guard let source, let target else {
                    throw fail(conditionPath, conditionNode, "a join condition needs both source and target")
                }
                return JoinCondition(source: source, target: target)
            }
        }
    }

    func flows(_ node: Node, _ path: String) throws -> [AttributeFlow] {
        try entries(node, path).map { name, key, value in
            AttributeFlow(
                target: name, expression: try string(value, "\(path).\(name)"),
                location: "\(path).\(name)\(key.mark.map { " (line \($0.line))" } ?? "")")
        }
    }

    func validate(_ configuration: Configuration, _ root: Node) throws {
        let names = Set(configuration.connectors.map(\.name))
        for (index, rule) in configuration.inboundRules.enumerated() where !names.contains(rule.connector) {
            throw fail(
                "rules", root,
                "rule \"\(rule.name)\" (inbound #\(index + 1)) names connector '\(rule.connector)', which is not configured"
            )
        }
        for (index, rule) in configuration.outboundRules.enumerated() where !names.contains(rule.connector) {
            throw fail(
                "rules", root,
                "rule \"\(rule.name)\" (outbound #\(index + 1)) names connector '\(rule.connector)', which is not configured"
            )
        }
        let ruleNames = configuration.inboundRules.map(\.name) + configuration.outboundRules.map(\.name)
        if let duplicate = Dictionary(grouping: ruleNames, by: { $0 }).first(where: { $1.count > 1 })?.key {
            throw fail(
                "rules", root,
                "two rules are named \"\(duplicate)\"; rule names identify contributors and must be unique")
        }
        for rule in configuration.inboundRules where configuration.metaverse[rule.targetType] == nil {
            throw fail(
                "rules", root,
                "rule \"\(rule.name)\" projects to metaverse type '\(rule.targetType)', which is not declared under metaverse"
            )
        }
    }
}
