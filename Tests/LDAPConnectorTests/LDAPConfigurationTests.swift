import ConnectorKit
import ConnectorKitTesting
import LDAPConnector
import Testing

/// Settings mistakes the connector refuses with the key, its line and the fix: base DNs that are not DNs, that
/// nest, that a YAML flow list split at their commas, or that lie outside the directory.
@Suite struct LDAPConfigurationTests {
    static func configuration(baseDNs: [String], unquotedFlowList: Bool = false) -> ConnectorConfiguration {
        ConnectorConfiguration(
            name: "directory", type: "ldap",
            settings: [
                "url": .string("ldap://127.0.0.1:1"), "baseDNs": .list(baseDNs.map(ConfigurationValue.string)),
                "objectTypes": .map(["person": .string("inetOrgPerson")]),
            ],
            lines: ["baseDNs": 12], unquotedFlowLists: unquotedFlowList ? ["baseDNs"] : [])
    }

    static func message(_ configuration: ConnectorConfiguration) -> String? {
        do {
            _ = try LDAPConnector(configuration: configuration)
            return nil
        } catch let error as ConnectorError {
            return error.code == .invalidConfiguration ? error.message : "unexpected code: \(error)"
        } catch {
            return "unexpected error: \(error)"
        }
    }

    @Test(arguments: [
        (
            ["ou=people", "dc=example", "dc=org"], true,
            "connectors.directory.baseDNs (line 12): YAML splits an unquoted flow list at every comma, also the commas "
                + "inside a DN, so [ou=people, dc=example, dc=org] may be pieces of fewer DNs; quote each DN, as in "
                + "[\"ou=people,dc=example,dc=org\"], or write a block list with one '- DN' per line"
        ),
        (
            ["people"], false,
            "connectors.directory.baseDNs (line 12): 'people' is not a distinguished name; expected e.g. "
                + "ou=people,dc=example,dc=org"
        ),
        (
            ["ou=people,dc=example,dc=org", "dc=example,dc=org"], false,
            "connectors.directory.baseDNs (line 12): 'ou=people,dc=example,dc=org' lies within 'dc=example,dc=org': "
                + "its entries would be read twice"
        ),
    ])
    func badBaseDNsAreRefused(baseDNs: [String], unquoted: Bool, expected: String) {
        #expect(Self.message(Self.configuration(baseDNs: baseDNs, unquotedFlowList: unquoted)) == expected)
    }

    @Test func wellFormedBaseDNsAreAccepted() {
        let bases = [
            "ou=people,dc=example,dc=org", "OU=Groups, DC=example, DC=org", "cn=Smith\\, John,dc=example,dc=org",
        ]
        #expect(Self.message(Self.configuration(baseDNs: bases)) == nil)
        #expect(Self.message(Self.configuration(baseDNs: ["o=example"], unquotedFlowList: true)) == nil)
    }

    /// A base DN that parses but lies outside every naming context (a typo, or one piece of a split DN that happens
    /// to be a DN on its own) is found when the connector first talks to the server.
    @Test func aBaseDNOutsideTheDirectoryIsRefusedOnConnecting() async throws {
        let server = try await SlapdServer()
        let connector = try LDAPConnector(
            configuration: server.configuration([
                "baseDNs": .list([.string("ou=people,dc=example,dc=org"), .string("ou=people,dc=example,dc=com")])
            ]))
        let error = await #expect(throws: ConnectorError.self) { try await connector.testConnection() }
        #expect(error?.code == .invalidConfiguration)
        #expect(
            error?.message
                == "connectors.directory.baseDNs: 'ou=people,dc=example,dc=com' lies in none of the naming contexts of "
                + "\(server.url) (cn=accesslog; dc=example,dc=org); check the DN, and quote DNs in a flow list")
        await #expect(throws: ConnectorError.self) {
            for try await _ in connector.importObjects(
                ImportRequest(mode: .full, connectorSpace: InMemoryConnectorSpace()))
            {}
        }
    }
}
