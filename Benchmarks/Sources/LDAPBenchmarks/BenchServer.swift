import BenchmarkSupport
import Foundation

/// A slapd on a free loopback port, loaded by slapadd through the project's `Tests/Servers/slapd.sh`.
struct BenchServer {
    static let suffix = "dc=example,dc=org"
    static let adminDN = "cn=admin,dc=example,dc=org"
    static let adminPassword = "secret"
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Tests/Servers/slapd.sh").path

    let directory: String
    let port: Int
    var url: String { "ldap://127.0.0.1:\(port)" }

    static func start(entries: Int) async throws -> BenchServer {
        let directory = NSTemporaryDirectory() + "tandem-ldap-bench-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var ldif = """
            dn: dc=example,dc=org
            objectClass: dcObject
            objectClass: organization
            dc: example
            o: Example

            dn: ou=people,dc=example,dc=org
            objectClass: organizationalUnit
            ou: people


            """
        ldif.reserveCapacity(entries * 220)
        for index in 0..<entries {
            ldif += """
                dn: uid=person\(index),ou=people,dc=example,dc=org
                objectClass: inetOrgPerson
                uid: person\(index)
                cn: Person \(index)
                givenName: Person
                sn: Number\(index)
                mail: person\(index)@example.org
                title: Engineer \(index % 17)
                departmentNumber: \(index % 40)
                employeeNumber: \(100_000 + index)


                """
        }
        let path = directory + "/people.ldif"
        try ldif.write(toFile: path, atomically: false, encoding: .utf8)
        let port = try freePort()
        FileHandle.standardError.write(Data("loading \(entries) entries with slapadd…\n".utf8))
        try control(["start", directory, String(port), "--ldif", path])
        return BenchServer(directory: directory, port: port)
    }

    func stop() {
        try? Self.run(Self.script, ["stop", directory])
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Replaces the title of `count` entries spread over all of them, as another LDAP client would.
    func modifyPeople(count: Int, of entries: Int) throws {
        let step = max(1, entries / count)
        var ldif = ""
        for index in stride(from: 0, to: step * count, by: step) {
            ldif +=
                "dn: uid=person\(index),ou=people,dc=example,dc=org\nchangetype: modify\nreplace: title\ntitle: Changed\n\n"
        }
        try Self.run(
            "/usr/bin/ldapmodify", ["-x", "-H", url, "-D", Self.adminDN, "-w", Self.adminPassword], input: ldif)
    }

    static func run(_ path: String, _ arguments: [String], input: String? = nil) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        let stdin = Pipe()
        process.standardInput = stdin
        // waitUntilExit can hang on Linux when several tests run processes at once; wait for the handler instead.
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        exited.wait()
        guard process.terminationStatus == 0 else {
            throw BenchmarkFailure("\(path) \(arguments.first ?? "") exited with \(process.terminationStatus)")
        }
    }

    static func freePort() throws -> Int {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw BenchmarkFailure("socket() failed") }
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, length) }
        }
        guard bound == 0 else { throw BenchmarkFailure("bind() failed") }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketFD, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

extension BenchServer {
    /// Runs `slapd.sh` with posix_spawn and waitpid. Not Foundation's Process: slapd daemonizes and inherits the
    /// descriptor Process watches for the child's exit, so Process would wait for slapd to stop.
    static func control(_ arguments: [String]) throws {
        let argv = [script] + arguments
        var pointers: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, script, nil, nil, &pointers, environ)
        guard spawned == 0 else { throw BenchmarkFailure("cannot run \(script): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else {
            throw BenchmarkFailure("\(script) \(arguments.joined(separator: " ")) failed (status \(status))")
        }
    }
}
