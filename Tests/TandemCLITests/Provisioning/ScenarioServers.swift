import Foundation
import TandemTestSupport

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Why a scenario step could not be carried out (a server that would not start, an answer that makes no sense).
struct ScenarioFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Where the repository is (helper programs are run with ``ChildProcess``).
enum Helper {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
}

/// A real slapd on a free loopback port, started by `Tests/Servers/slapd.sh` with the given LDIF, read back with
/// `ldapsearch` (not through Tandem).
final class ScenarioDirectory {
    let directory: String
    let port: Int
    static let script = Helper.repositoryRoot + "/Tests/Servers/slapd.sh"
    static let adminDN = "cn=admin,dc=example,dc=org"

    var url: String { "ldap://127.0.0.1:\(port)" }
    /// The file holding the admin password (written by the script), for `passwordFile:` in tandem.yaml.
    var passwordFile: String { directory + "/server/rootpw" }

    private init(directory: String, port: Int) {
        self.directory = directory
        self.port = port
    }

    static func start(ldif: String) async throws -> ScenarioDirectory {
        let directory = FileManager.default.temporaryDirectory.path + "/tandem-e2e-slapd-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let ldifPath = directory + "/base.ldif"
        try ldif.write(toFile: ldifPath, atomically: true, encoding: .utf8)
        var last = ""
        for _ in 0..<5 {
            let port = try ChildProcess.freePort()
            let (status, output) = try await ChildProcess.run([
                script, "start", directory + "/server", String(port), "--ldif", ldifPath,
            ])
            if status == 0 { return ScenarioDirectory(directory: directory, port: port) }
            last = output
            _ = try? await ChildProcess.run([script, "stop", directory + "/server"])
            try? FileManager.default.removeItem(atPath: directory + "/server")
        }
        throw ScenarioFailure("could not start slapd: \(last)")
    }

    func stop() async {
        _ = try? await ChildProcess.run([Self.script, "stop", directory + "/server"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// One entry as `ldapsearch` shows it: its DN and its attributes' values (names lowercased).
    struct Entry: CustomStringConvertible {
        var dn: String
        var attributes: [String: [String]]
        func first(_ name: String) -> String? { attributes[name.lowercased()]?.first }
        func values(_ name: String) -> [String] { attributes[name.lowercased()] ?? [] }
        var description: String { "\(dn) \(attributes)" }
    }

    /// The entries under `base` matching `filter`, with the listed attributes, by `ldapsearch` as the admin.
    func search(base: String, filter: String, attributes: [String]) async throws -> [Entry] {
        let ldapsearch = ["/usr/bin/ldapsearch", "/bin/ldapsearch"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        guard let ldapsearch else { throw ScenarioFailure("ldapsearch is not installed (ldap-utils)") }
        let password = try String(contentsOfFile: passwordFile, encoding: .utf8).trimmingCharacters(in: .newlines)
        let (status, output) = try await ChildProcess.run(
            [
                ldapsearch, "-x", "-LLL", "-o", "ldif-wrap=no", "-H", url, "-D", Self.adminDN, "-w", password, "-b",
                base, filter,
            ]
                + attributes)
        guard status == 0 else {
            throw ScenarioFailure("ldapsearch -b \(base) \(filter) failed (\(status)): \(output)")
        }
        return Self.parse(output)
    }

    /// LDIF as `ldapsearch -LLL -o ldif-wrap=no` writes it: `name: value`, or `name:: base64` for values that are
    /// not plain text.
    static func parse(_ ldif: String) -> [Entry] {
        var entries: [Entry] = []
        for block in ldif.components(separatedBy: "\n\n") {
            var current: Entry?
            for line in block.split(separator: "\n") where !line.hasPrefix("#") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let name = String(line[..<colon]).lowercased()
                var rest = line[line.index(after: colon)...]
                let value: String
                if rest.hasPrefix(":") {
                    rest = rest.dropFirst()
                    let encoded = rest.trimmingCharacters(in: .whitespaces)
                    value = Data(base64Encoded: encoded).map { String(decoding: $0, as: UTF8.self) } ?? encoded
                } else {
                    value = rest.trimmingCharacters(in: .whitespaces)
                }
                if name == "dn" {
                    current = Entry(dn: value, attributes: [:])
                } else {
                    current?.attributes[name, default: []].append(value)
                }
            }
            if let current { entries.append(current) }
        }
        return entries
    }
}

/// A real scim2-server on a free loopback port, started by `Tests/Servers/scim-server.sh`, read back with plain
/// HTTP GETs (not through Tandem).
final class ScenarioCloud {
    let directory: String
    let port: Int
    let token: String
    static let script = Helper.repositoryRoot + "/Tests/Servers/scim-server.sh"

    var url: String { "http://127.0.0.1:\(port)/v2" }

    private init(directory: String, port: Int, token: String) {
        self.directory = directory
        self.port = port
        self.token = token
    }

    static func start() async throws -> ScenarioCloud {
        let directory = FileManager.default.temporaryDirectory.path + "/tandem-e2e-scim-\(UUID().uuidString.prefix(8))"
        let token = "e2e-" + UUID().uuidString
        var last = ""
        for _ in 0..<5 {
            let port = try ChildProcess.freePort()
            let (status, output) = try await ChildProcess.run([script, "start", directory, String(port), token])
            if status == 0 { return ScenarioCloud(directory: directory, port: port, token: token) }
            last = output
            _ = try? await ChildProcess.run([script, "stop", directory])
        }
        throw ScenarioFailure("could not start scim2-server: \(last)")
    }

    func stop() async {
        _ = try? await ChildProcess.run([Self.script, "stop", directory])
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Every resource of an endpoint (`/Users`, `/Groups`): one page is enough for a scenario of this size.
    func list(_ endpoint: String) async throws -> [[String: Any]] {
        let body = try await get(endpoint + "?startIndex=1&count=1000")
        guard let resources = body["Resources"] as? [[String: Any]] ?? (body["totalResults"] as? Int == 0 ? [] : nil)
        else { throw ScenarioFailure("GET \(endpoint): no Resources in \(body)") }
        if let total = body["totalResults"] as? Int, total != resources.count {
            throw ScenarioFailure("GET \(endpoint): \(total) resources but \(resources.count) on the page")
        }
        return resources
    }

    func get(_ path: String) async throws -> [String: Any] {
        var request = URLRequest(url: URL(string: url + path)!)
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/scim+json", forHTTPHeaderField: "Accept")
        let (data, response) = try await URLSession.shared.data(for: request)
        guard let http = response as? HTTPURLResponse, http.statusCode == 200 else {
            throw ScenarioFailure("GET \(path) answered \((response as? HTTPURLResponse)?.statusCode ?? -1)")
        }
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ScenarioFailure("GET \(path): the body is not a JSON object")
        }
        return object
    }
}
