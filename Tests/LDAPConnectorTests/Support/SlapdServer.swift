import ConnectorKit
import Foundation
import TandemTestSupport

/// A throwaway slapd on loopback, started by `Tests/Servers/slapd.sh` on a free port and removed when stopped.
/// Every test gets its own, so suites can run in parallel.
final class SlapdServer: Sendable {
    static let suffix = "dc=example,dc=org"
    static let adminDN = "cn=admin,dc=example,dc=org"
    static let adminPassword = "secret"
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Servers/slapd.sh").path

    let directory: String
    let port: Int
    var url: String { "ldap://127.0.0.1:\(port)" }

    /// Starts a server: with content sync (syncprov) unless `contentSync` is false; `ldif` bulk-loaded by slapadd
    /// (it must contain the base entries), or just the base entries.
    ///
    /// A port found free may be taken by another test's connection before slapd binds it (slapd then exits,
    /// saying why only to syslog): the server is started afresh on another port, up to five times.
    init(contentSync: Bool = true, ldif: String? = nil) async throws {
        let directory = NSTemporaryDirectory() + "tandem-slapd-" + UUID().uuidString
        var options: [String] = contentSync ? [] : ["--no-sync"]
        if let ldif {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let path = directory + "/fixture.ldif"
            try (Self.baseLDIF + "\n" + ldif).write(toFile: path, atomically: true, encoding: .utf8)
            options += ["--ldif", path]
        }
        var attempt = 1
        while true {
            let port = try ChildProcess.freePort()
            do {
                try await Self.control(["start", directory, String(port)] + options)
                self.directory = directory
                self.port = port
                return
            } catch {
                try? await Self.control(["stop", directory])
                guard attempt < 5 else {
                    try? FileManager.default.removeItem(atPath: directory)
                    throw error
                }
                attempt += 1
                for folder in ["data", "accesslog"] {
                    try? FileManager.default.removeItem(atPath: directory + "/" + folder)
                }
            }
        }
    }

    deinit {
        // A deinit cannot wait asynchronously; stopping takes a moment and only follows a test's end.
        if let pid = try? ChildProcess.spawn([Self.script, "stop", directory], output: "/dev/null") {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    func stop() async throws { try await Self.control(["stop", directory]) }
    func restart() async throws { try await Self.control(["restart", directory]) }

    /// Applies LDIF changes with `ldapmodify` (as another client would).
    func modify(_ ldif: String) async throws {
        try await Self.run(
            "/usr/bin/ldapmodify", ["-x", "-H", url, "-D", Self.adminDN, "-w", Self.adminPassword], input: ldif)
    }

    /// `ldapsearch` output (LDIF, no line wrapping) of `filter` under the suffix.
    func search(_ filter: String, _ attributes: [String] = []) async throws -> String {
        try await Self.run(
            "/usr/bin/ldapsearch",
            [
                "-x", "-LLL", "-o", "ldif-wrap=no", "-H", url, "-D", Self.adminDN, "-w", Self.adminPassword, "-b",
                Self.suffix, filter,
            ] + attributes)
    }

    /// A connector configuration for this server.
    func configuration(_ settings: [String: ConfigurationValue] = [:]) -> ConnectorConfiguration {
        var all: [String: ConfigurationValue] = [
            "url": .string(url), "bindDN": .string(Self.adminDN), "passwordEnv": .string("TANDEM_TEST_LDAP_PASSWORD"),
            "baseDNs": .list([.string(Self.suffix)]),
            "objectTypes": .map(["person": .string("inetOrgPerson"), "group": .string("groupOfNames")]),
            "timeoutSeconds": .integer(5), "retries": .integer(1),
        ]
        for (key, value) in settings { all[key] = value }
        return ConnectorConfiguration(
            name: "directory", type: "ldap", settings: all,
            environment: { $0 == "TANDEM_TEST_LDAP_PASSWORD" ? Self.adminPassword : nil })
    }

    static let baseLDIF = """
        dn: dc=example,dc=org
        objectClass: dcObject
        objectClass: organization
        dc: example
        o: Example

        dn: ou=people,dc=example,dc=org
        objectClass: organizationalUnit
        ou: people

        dn: ou=groups,dc=example,dc=org
        objectClass: organizationalUnit
        ou: groups

        dn: ou=alumni,dc=example,dc=org
        objectClass: organizationalUnit
        ou: alumni

        """

    /// `count` inetOrgPerson entries `uid=personN` under ou=people.
    static func people(_ count: Int) -> String {
        (0..<count).map { index in
            """
            dn: uid=person\(index),ou=people,dc=example,dc=org
            objectClass: inetOrgPerson
            uid: person\(index)
            cn: Person \(index)
            sn: Number\(index)
            mail: person\(index)@example.org

            """
        }.joined(separator: "\n")
    }

    @discardableResult
    static func run(_ path: String, _ arguments: [String], input: String? = nil) async throws -> String {
        let run = try await ChildProcess.capture([path] + arguments, input: input)
        guard run.status == 0 else {
            throw ServerError("\(path) \(arguments.first ?? "") exited with \(run.status): " + run.errors)
        }
        return run.output
    }
}

struct ServerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension SlapdServer {
    /// Runs `slapd.sh` to completion (``ChildProcess``: slapd daemonizes and would keep Foundation's
    /// `Process` waiting until it stops).
    static func control(_ arguments: [String]) async throws {
        let (status, output) = try await ChildProcess.run([script] + arguments)
        guard status == 0 else {
            throw ServerError("\(script) \(arguments.joined(separator: " ")) failed (status \(status)): \(output)")
        }
    }
}
