import ConnectorKit
import ConnectorKitTesting
import LDAPConnector
import Testing

/// The ConnectorKit conformance suite against a real slapd: with content sync (syncprov), and without it, where
/// delta imports fall back to modifyTimestamp and sweep for deletes (fullSweepHours: 0 sweeps every time).
@Suite struct LDAPConformanceTests {
    static func subject(_ server: SlapdServer, _ settings: [String: ConfigurationValue]) -> ConnectorConformance.Subject
    {
        let templates = (1...3).map { index in
            ConnectorObject(
                anchor: "", objectType: "person", distinguishedName: "uid=conf\(index),ou=people,dc=example,dc=org",
                attributes: [
                    "uid": [.string("conf\(index)")], "cn": [.string("Conformance \(index)")],
                    "sn": [.string("Person\(index)")],
                    "description": index == 1 ? [] : [.string("first of \(index)"), .string("second of \(index)")],
                ])
        }
        let configuration = server.configuration(settings)
        return ConnectorConformance.Subject(
            name: "ldap", objectType: "person", templates: templates, singleValuedAttribute: "displayName",
            multiValuedAttribute: "description", referenceAttribute: "manager",
            features: [.deltaImport, .delete, .rename],
            newDistinguishedName: { object in
                // A move to another OU with the same RDN, so the written uid stays.
                (object.distinguishedName ?? "").replacingOccurrences(of: "ou=people", with: "ou=alumni")
            },
            makeConnector: { try LDAPConnector(configuration: configuration) })
    }

    @Test func conformsWithContentSync() async throws {
        let server = try await SlapdServer()
        let failures = await ConnectorConformance(Self.subject(server, ["deltaMode": .string("contentSync")])).run()
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test func conformsWithoutContentSync() async throws {
        let server = try await SlapdServer(contentSync: false)
        let failures = await ConnectorConformance(Self.subject(server, ["fullSweepHours": .integer(0)])).run()
        #expect(failures.isEmpty, "\(failures)")
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        var result = ""
        var rest = Substring(self)
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
