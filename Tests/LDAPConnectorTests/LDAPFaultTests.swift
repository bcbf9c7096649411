import ConnectorKit
import ConnectorKitTesting
import LDAPConnector
import Testing

/// What the connector does when the directory refuses or goes away.
@Suite struct LDAPFaultTests {
    @Test func badCredentialsAreAnAuthenticationErrorWithoutThePassword() async throws {
        let server = try await SlapdServer()
        let password = "not-the-password-4711"
        var configuration = server.configuration()
        configuration.environment = { $0 == "TANDEM_TEST_LDAP_PASSWORD" ? password : nil }
        let connector = try LDAPConnector(configuration: configuration)
        do {
            try await connector.testConnection()
            Issue.record("a bind with a wrong password succeeded")
        } catch let error as ConnectorError {
            #expect(error.code == .authentication)
            #expect(!error.description.contains(password))
            #expect(error.description.contains("bind as cn=admin,dc=example,dc=org failed: Invalid credentials"))
        }
    }

    @Test func aServerStoppedMidImportFailsItTransientlyAndTheNextImportSucceeds() async throws {
        let server = try await SlapdServer(ldif: SlapdServer.people(300))
        let connector = try LDAPConnector(configuration: server.configuration(["pageSize": .integer(10)]))
        var batches = 0
        do {
            for try await _ in connector.importObjects(
                ImportRequest(mode: .full, connectorSpace: InMemoryConnectorSpace()))
            {
                batches += 1
                if batches == 1 { try await server.stop() }
            }
            Issue.record("the import went on after the server stopped")
        } catch let error as ConnectorError {
            #expect(error.code == .transient, "\(error)")
            #expect(error.code.isRetryable)
        }
        // The import reads ahead: the pages of its first trip to the connection (4) and of the one it started
        // meanwhile (4) may still arrive, nothing after them.
        #expect(batches <= 8, "\(batches) of 30 pages arrived after the server stopped")
        try await server.restart()
        let (space, watermark) = try await fullImport(connector)
        #expect(space.objects.count == 300)
        #expect(watermark != nil)
    }

    @Test func configurationErrorsNameTheSetting() async throws {
        let server = try await SlapdServer()
        #expect(throws: ConnectorError.self) {
            try LDAPConnector(configuration: server.configuration(["url": .string("http://example.org")]))
        }
        do {
            _ = try LDAPConnector(configuration: server.configuration(["password": .string("inline")]))
            Issue.record("a password in the configuration was accepted")
        } catch let error as ConnectorError {
            #expect(error.message.contains("connectors.directory.password"))
            #expect(!error.message.contains("inline"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
