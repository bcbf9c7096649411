import ConnectorKit
import Testing

@testable import TandemEngine

@Suite struct ConfigurationLoaderTests {
    static let sample = """
        dataDir: ./data
        exportDeletionThreshold: { count: 50, percent: 10 }
        schedule: { interval: 15m }
        connectors:
          hr:
            type: file
            path: ./hr.csv
            objectType: person
            anchor: employeeId
            multiValued: { phones: ";" }
            references: { manager: person }
          directory:
            type: file
            path: ./directory.jsonl
            objectType: account
            anchor: uid
            passwordEnv: DIRECTORY_PASSWORD
        metaverse:
          person: { unique: [mail] }
          group: {}
        rules:
          - name: HR in
            direction: inbound
            connector: hr
            from: person
            to: person
            precedence: 10
            scope: [[{ attribute: status, op: equal, value: active }]]
            join: [[{ source: employeeId, target: employeeId }]]
            projection: true
            flows:
              employeeId: "[employeeId]"
              displayName: 'Trim([givenName] & " " & [surname])'
          - name: Directory out
            direction: outbound
            connector: directory
            from: person
            to: account
            provision: true
            deprovision: delete
            flows:
              uid: "Lower([employeeId])"
        """

    @Test func theSampleConfigurationLoads() throws {
        let configuration = try ConfigurationLoader.parse(Self.sample, baseDirectory: "/etc/tandem")
        #expect(configuration.dataDirectory == "/etc/tandem/./data")
        #expect(configuration.deletionThreshold == DeletionThreshold(count: 50, percent: 10))
        #expect(configuration.scheduleInterval == .seconds(900))
        #expect(configuration.connectors.map(\.name) == ["hr", "directory"])
        let hr = try #require(configuration.connector("hr"))
        #expect(hr.type == "file")
        #expect(try hr.path("path") == "/etc/tandem/./hr.csv")
        #expect(try hr.stringMap("multiValued") == ["phones": ";"])
        #expect(hr.keyPath("anchor") == "connectors.hr.anchor (line 9)")
        #expect(configuration.metaverse["person"]?.unique == ["mail"])
        let inbound = try #require(configuration.inboundRules.first)
        #expect(
            inbound.scope.groups == [[ScopingFilter.Condition(attribute: "status", op: .equal, values: ["active"])]])
        #expect(inbound.join == [[JoinCondition(source: "employeeId", target: "employeeId")]])
        #expect(inbound.flows.map(\.target) == ["employeeId", "displayName"])
        #expect(inbound.flows[1].location == "rules[0].flows.displayName (line 33)")
        let outbound = try #require(configuration.outboundRules.first)
        #expect(outbound.deprovision == .delete)
        #expect(outbound.provision)
    }

    @Test(arguments: [
        ("errorLimit: lots\nconnectors: {}", "tandem.yaml: errorLimit (line 1): expected a whole number"),
        (
            "connectorz: {}",
            "tandem.yaml: connectorz (line 1): unknown key; expected one of checkpoints, connectors, dataDir, errorLimit, exportDeletionThreshold, metaverse, pluginDirectories, retention, rules, schedule, server"
        ),
        (
            "connectors:\n  hr:\n    path: x.csv",
            "tandem.yaml: connectors.hr.type (line 3): required setting is missing"
        ),
        (
            "schedule: { interval: soon }",
            "tandem.yaml: schedule.interval (line 1): expected a duration like 30m, 1h or 45s"
        ),
        (
            """
            connectors: { hr: { type: file } }
            metaverse: { person: {} }
            rules:
              - name: r
                direction: inbound
                connector: hr
                from: person
                to: person
                scope: [[{ attribute: status, op: equals, value: x }]]
            """,
            "tandem.yaml: rules[0].scope[0][0].op (line 9): unknown operator 'equals'; expected one of equal, notEqual, startsWith, endsWith, contains, present, absent, in, memberOf"
        ),
        (
            """
            connectors: { hr: { type: file } }
            rules:
              - name: r
                direction: sideways
            """, "tandem.yaml: rules[0].direction (line 4): unknown direction 'sideways'; expected inbound or outbound"
        ),
        (
            """
            connectors: { hr: { type: file } }
            metaverse: { person: {} }
            rules:
              - { name: r, direction: inbound, connector: ad, from: user, to: person }
            """, "tandem.yaml: rules (line 1): rule \"r\" (inbound #1) names connector 'ad', which is not configured"
        ),
        (
            "server: { listen: localhost }",
            "tandem.yaml: server.listen (line 1): expected HOST:PORT, e.g. 127.0.0.1:8420"
        ),
        (
            "server: { listn: localhost }",
            "tandem.yaml: server.listn (line 1): unknown key; expected one of authority, bootstrap, bootstrapThreshold, listen, primary, role, tls, token, tokenEnv, tokenFile"
        ),
        (
            """
            server:
              authority:
                url: postgres://tandem@db:5432/tandem
                lease: 5
            """,
            "tandem.yaml: server.authority.lease (line 4): unknown key; expected one of deployment, leaseSeconds, password, passwordEnv, passwordFile, serverId, url"
        ),
        (
            "server: { authority: { deployment: prod } }",
            "tandem.yaml: server.authority (line 1): the epoch authority needs a url (postgres://USER@HOST:PORT/DATABASE)"
        ),
        (
            "server: { authority: { url: \"mysql://tandem@db/tandem\" } }",
            "tandem.yaml: server.authority.url (line 1): expected postgres://USER@HOST:PORT/DATABASE"
        ),
        (
            """
            server:
              authority:
                url: postgres://tandem:hunter2@db:5432/tandem
            """,
            "tandem.yaml: server.authority.url (line 3): the URL must not hold a password (it would show in process listings); use passwordEnv or passwordFile"
        ),
        (
            "server: { authority: { url: \"postgres://db/tandem\", password: hunter2 } }",
            "tandem.yaml: server.authority.password (line 1): secrets are never written in the configuration; use passwordEnv or passwordFile"
        ),
        (
            "server: { authority: { url: \"postgres://db/tandem\", leaseSeconds: 0.5 } }",
            "tandem.yaml: server.authority.leaseSeconds (line 1): expected a number of seconds, at least 1"
        ),
        (
            "server: { authority: { url: \"postgres://db/tandem\", passwordEnv: A, passwordFile: b } }",
            "tandem.yaml: server.authority.passwordFile (line 1): give passwordEnv or passwordFile, not both"
        ),
        (
            "server: { role: primary }",
            "tandem.yaml: server.role (line 1): unknown role 'primary'; expected active or staging"
        ),
        (
            "server: { token: hunter2 }",
            "tandem.yaml: server.token (line 1): secrets are never written in the configuration; use tokenFile or tokenEnv"
        ),
        (
            "server: { primary: tandem-a:8420 }",
            "tandem.yaml: server.primary (line 1): expected an http:// or https:// URL"
        ),
        (
            "server: { tls: { certificate: cert.pem } }",
            "tandem.yaml: server.tls (line 1): give both certificate and key, or neither"
        ),
        (
            "rules: [",
            "tandem.yaml is not valid YAML: line 2, column 1: did not find expected node content while parsing a flow node"
        ),
    ])
    func mistakesNameTheKeyPathAndLine(yaml: String, message: String) {
        #expect {
            try ConfigurationLoader.parse(yaml, baseDirectory: "/tmp")
        } throws: { error in
            (error as? EngineError)?.message == message
        }
    }

    @Test func theServerSectionResolvesPathsAndKeepsTheTokenByReference() throws {
        let yaml = """
            server:
              listen: "[::1]:9443"
              role: staging
              primary: https://tandem-a.example.org:8420
              tokenFile: secrets/token
              tls: { certificate: tls/server.pem, key: /etc/tandem/server.key, ca: tls/ca.pem }
            """
        let server = try ConfigurationLoader.parse(yaml, baseDirectory: "/etc/tandem").server
        #expect(server.listenHost == "::1")
        #expect(server.listenPort == 9443)
        #expect(server.role == .staging)
        #expect(server.primaryURL == "https://tandem-a.example.org:8420")
        #expect(server.token == .file("/etc/tandem/secrets/token"))
        #expect(server.tlsCertificatePath == "/etc/tandem/tls/server.pem")
        #expect(server.tlsKeyPath == "/etc/tandem/server.key")
        #expect(server.tlsCAPath == "/etc/tandem/tls/ca.pem")
        #expect(server.authority == nil)
        let defaults = try ConfigurationLoader.parse("server: { tokenEnv: TANDEM_TOKEN }", baseDirectory: "/tmp").server
        #expect(defaults.token == .environment("TANDEM_TOKEN"))
        #expect(defaults.role == .active)
        #expect(defaults.listenHost == "127.0.0.1" && defaults.listenPort == 8420)
    }

    @Test func howAnEmptyStagingServerStartsIsConfigurable() throws {
        let server = try ConfigurationLoader.parse(
            "server: { bootstrap: checkpoint, bootstrapThreshold: 500 }", baseDirectory: "/tmp"
        ).server
        #expect(server.bootstrap == "checkpoint")
        #expect(server.bootstrapThresholdSeqs == 500)
        let defaults = try ConfigurationLoader.parse("server: { tokenEnv: T }", baseDirectory: "/tmp").server
        #expect(defaults.bootstrap == nil && defaults.bootstrapThresholdSeqs == nil)
        let error = try #require(throws: EngineError.self) {
            try ConfigurationLoader.parse("server: { bootstrap: sometimes }", baseDirectory: "/tmp")
        }
        #expect(
            error.message
                == "tandem.yaml: server.bootstrap (line 1): unknown bootstrap 'sometimes'; expected auto, checkpoint or journal"
        )
    }

    @Test func theEpochAuthorityIsConfiguredWithItsPasswordByReference() throws {
        let yaml = """
            server:
              authority:
                url: postgres://tandem@db.example.org:5432/tandem
                deployment: payroll
                serverId: tandem-a
                leaseSeconds: 7.5
                passwordFile: secrets/authority
            """
        let authority = try #require(try ConfigurationLoader.parse(yaml, baseDirectory: "/etc/tandem").server.authority)
        #expect(
            authority
                == AuthoritySettings(
                    url: "postgres://tandem@db.example.org:5432/tandem", deployment: "payroll", serverID: "tandem-a",
                    leaseSeconds: 7.5, password: .file("/etc/tandem/secrets/authority")))
        let minimal = try #require(
            try ConfigurationLoader.parse(
                "server: { authority: { url: \"postgresql://db/tandem\", passwordEnv: PGPASS } }", baseDirectory: "/tmp"
            ).server.authority)
        #expect(minimal == AuthoritySettings(url: "postgresql://db/tandem", password: .environment("PGPASS")))
    }

    @Test func secretsAreReadByReferenceOnly() throws {
        var directory = try #require(
            try ConfigurationLoader.parse(Self.sample, baseDirectory: "/tmp").connector("directory"))
        directory.environment = { $0 == "DIRECTORY_PASSWORD" ? "s3cret" : nil }
        let secret = try #require(try directory.secret("password"))
        #expect(secret.reveal() == "s3cret")
        #expect("\(secret)" == "<redacted>")
        directory.settings["password"] = .string("inline")
        #expect(throws: ConnectorError.self) { try directory.secret("password") }
        directory.settings["password"] = nil
        directory.environment = { _ in nil }
        let error = try #require(throws: ConnectorError.self) { try directory.secret("password") }
        #expect(
            error.message
                == "connectors.directory.passwordEnv (line 17): environment variable DIRECTORY_PASSWORD is not set")
    }

    /// YAML splits `[ou=people,dc=example,dc=org]` into three items; the loader marks unquoted flow lists so that
    /// a DN list written that way is refused with the fix, naming the key and its line.
    @Test func distinguishedNamesInAnUnquotedFlowListAreRefused() throws {
        let yaml = """
            connectors:
              directory:
                type: ldap
                baseDNs: [ou=people,dc=example,dc=org]
                quoted: ["ou=people,dc=example,dc=org", 'ou=groups,dc=example,dc=org']
                block:
                  - ou=people,dc=example,dc=org
                single: [ou=people]
                attributes: [cn, sn]
            """
        let directory = try #require(try ConfigurationLoader.parse(yaml, baseDirectory: "/tmp").connector("directory"))
        #expect(directory.unquotedFlowLists == ["baseDNs", "single", "attributes"])
        let error = try #require(throws: ConnectorError.self) { try directory.distinguishedNames("baseDNs") }
        #expect(error.code == .invalidConfiguration)
        #expect(
            error.message
                == "connectors.directory.baseDNs (line 4): YAML splits an unquoted flow list at every comma, also the "
                + "commas inside a DN, so [ou=people, dc=example, dc=org] may be pieces of fewer DNs; quote each DN, "
                + "as in [\"ou=people,dc=example,dc=org\"], or write a block list with one '- DN' per line")
        #expect(
            try directory.distinguishedNames("quoted") == [
                "ou=people,dc=example,dc=org", "ou=groups,dc=example,dc=org",
            ])
        #expect(try directory.distinguishedNames("block") == ["ou=people,dc=example,dc=org"])
        #expect(try directory.distinguishedNames("single") == ["ou=people"], "one unquoted item cannot have been split")
    }

    @Test func theRecordedSummaryNeverHoldsASecret() throws {
        var configuration = try ConfigurationLoader.parse(Self.sample, baseDirectory: "/tmp")
        configuration.connectors[1].settings["apiToken"] = .string("do-not-record-me")
        let summary = configuration.summary
        #expect(summary.contains("\"passwordEnv\":\"DIRECTORY_PASSWORD\""))
        #expect(!summary.contains("do-not-record-me"))
        #expect(summary.contains("\"apiToken\":\"<redacted>\""))
        #expect(configuration.versionHash.count == 64)
        let again = try ConfigurationLoader.parse(Self.sample, baseDirectory: "/tmp")
        #expect(again.versionHash == (try ConfigurationLoader.parse(Self.sample, baseDirectory: "/tmp")).versionHash)
    }
}
