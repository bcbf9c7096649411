import ConnectorKit
import Crypto
import Foundation

extension Configuration {
    /// The configuration as canonical JSON (sorted keys), with every setting that looks like a
    /// credential replaced by `<redacted>` — only references (`…Env`, `…File`) are kept. This is
    /// what `configurationApplied` records in the journal.
    public var summary: String {
        func value(_ setting: ConfigurationValue) -> Any {
            switch setting {
            case .string(let text): text
            case .integer(let number): number
            case .boolean(let flag): flag
            case .list(let items): items.map(value)
            case .map(let entries): entries.mapValues(value)
            }
        }
        func isSecret(_ key: String) -> Bool {
            let lower = key.lowercased()
            if lower.hasSuffix("env") || lower.hasSuffix("file") { return false }
            return ["password", "secret", "token", "credential", "apikey", "privatekey"].contains { lower.contains($0) }
        }
        func flows(_ flows: [AttributeFlow]) -> [String: String] {
            Dictionary(flows.map { ($0.target, $0.expression) }, uniquingKeysWith: { a, _ in a })
        }
        func filter(_ scope: ScopingFilter) -> [[[String: Any]]] {
            scope.groups.map { $0.map { ["attribute": $0.attribute, "op": $0.op.rawValue, "values": $0.values] } }
        }
        func join(_ groups: [[JoinCondition]]) -> [[[String: String]]] {
            groups.map { $0.map { ["source": $0.source, "target": $0.target] } }
        }
        let object: [String: Any] = [
            "connectors": Dictionary(
                connectors.map { connector in
                    var settings = connector.settings.mapValues(value)
                    for key in settings.keys where isSecret(key) { settings[key] = "<redacted>" }
                    settings["type"] = connector.type
                    return (connector.name, settings)
                }, uniquingKeysWith: { a, _ in a }),
            "metaverse": Dictionary(
                metaverse.map { ($0.key.rawValue, ["unique": $0.value.unique]) }, uniquingKeysWith: { a, _ in a }),
            "inbound": inboundRules.map {
                [
                    "name": $0.name, "connector": $0.connector, "from": $0.sourceType.rawValue,
                    "to": $0.targetType.rawValue,
                    "precedence": $0.precedence, "scope": filter($0.scope), "join": join($0.join),
                    "projection": $0.projection, "flows": flows($0.flows),
                ] as [String: Any]
            },
            "outbound": outboundRules.map {
                [
                    "name": $0.name, "connector": $0.connector, "from": $0.sourceType.rawValue,
                    "to": $0.targetType.rawValue,
                    "precedence": $0.precedence, "scope": filter($0.scope), "join": join($0.join),
                    "provision": $0.provision,
                    "deprovision": $0.deprovision.rawValue, "dn": $0.distinguishedName ?? "", "flows": flows($0.flows),
                ] as [String: Any]
            },
            "exportDeletionThreshold": [
                "count": deletionThreshold.count, "percent": deletionThreshold.percent,
                "enabled": deletionThreshold.enabled,
            ],
            "errorLimit": errorLimit,
        ]
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// SHA-256 (hex) of ``summary``.
    public var versionHash: String {
        SHA256.hash(data: Data(summary.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
