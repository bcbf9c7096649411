import ArgumentParser
import BenchmarkSupport
import ConnectorKit
import ConnectorKitTesting
import Foundation
import LDAPConnector
import Logging

/// Measures the LDAP connector against a throwaway slapd loaded with `slapadd`: a full import (paged) beside
/// `ldapsearch` of the same entries to /dev/null in the same run, and a delta import (content sync) after 1 %
/// of the entries changed.
@main
struct LDAPBenchmarks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "LDAPBenchmarks",
        abstract: "Benchmarks the LDAP connector: full import beside ldapsearch, delta import after 1% changes.")

    @Option(help: "Entries loaded into slapd.")
    var entries = 100_000

    @Option(help: "Passes of each full-import measurement; the best counts.")
    var passes = 3

    @Option(help: "Entries per page (RFC 2696).")
    var pageSize = 1000

    func run() async throws {
        LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }
        let server = try await BenchServer.start(entries: entries)
        defer { server.stop() }
        let connector = try LDAPConnector(
            configuration: ConnectorConfiguration(
                name: "bench", type: "ldap",
                settings: [
                    "url": .string(server.url), "bindDN": .string(BenchServer.adminDN),
                    "passwordEnv": .string("BENCH_LDAP_PASSWORD"), "baseDNs": .list([.string(BenchServer.suffix)]),
                    "objectTypes": .map(["person": .string("inetOrgPerson")]), "pageSize": .integer(pageSize),
                ],
                environment: { $0 == "BENCH_LDAP_PASSWORD" ? BenchServer.adminPassword : nil }))
        try await connector.testConnection()

        // The baseline and the import alternate, pass by pass, so that both see the same load on a shared machine.
        progress("ldapsearch baseline and full import, alternating (best of \(passes) each)")
        let ldapsearch = [
            "-x", "-LLL", "-H", server.url, "-D", BenchServer.adminDN, "-w", BenchServer.adminPassword, "-b",
            BenchServer.suffix, "-E", "pr=\(pageSize)/noprompt", "(objectClass=inetOrgPerson)", "*", "entryUUID",
        ]
        var baseline = Double.infinity
        var fullSeconds = Double.infinity
        var space = InMemoryConnectorSpace()
        var watermark: Watermark?
        for _ in 0..<passes {
            baseline = min(baseline, try await TimedProcess.run("/usr/bin/ldapsearch", ldapsearch))
            let clock = ContinuousClock()
            let start = clock.now
            var batches: [ImportBatch] = []
            for try await batch in connector.importObjects(ImportRequest(mode: .full, connectorSpace: space)) {
                batches.append(batch)
            }
            fullSeconds = min(fullSeconds, (clock.now - start).seconds)
            let count = batches.reduce(0) { $0 + $1.items.count }
            guard count == entries else {
                throw BenchmarkFailure("the full import returned \(count) of \(entries) entries")
            }
            space = InMemoryConnectorSpace()
            try space.apply(batches)
            watermark = batches.last?.watermark
        }
        guard let watermark else { throw BenchmarkFailure("the full import returned no watermark") }

        let changes = max(1, entries / 100)
        progress("changing \(changes) entries with ldapmodify")
        try server.modifyPeople(count: changes, of: entries)
        progress("delta import")
        let clock = ContinuousClock()
        let start = clock.now
        var items = 0
        for try await batch in connector.importObjects(ImportRequest(mode: .delta(watermark), connectorSpace: space)) {
            items += batch.items.count
        }
        let deltaSeconds = (clock.now - start).seconds
        guard items == changes else {
            throw BenchmarkFailure("the delta import returned \(items) items for \(changes) changes")
        }

        let ratio = fullSeconds / baseline
        print(
            """
            | measurement | result | goal |
            | --- | --- | --- |
            | full import of \(Format.count(entries)) entries, pages of \(pageSize) | \(Format.seconds(fullSeconds)) (\(Format.rate(entries, fullSeconds, "entries"))) | |
            | `ldapsearch -E pr=\(pageSize)` of the same entries to /dev/null | \(Format.seconds(baseline)) | |
            | full import ÷ ldapsearch | \(Format.ratio(ratio)) | ≤ 1.5× \(ratio <= 1.5 ? "✓" : "✗") |
            | delta import (content sync) after \(Format.count(changes)) changes (1 %) | \(Format.seconds(deltaSeconds)) | ≤ 2 s \(deltaSeconds <= 2 ? "✓" : "✗") |
            """)
    }

    func progress(_ message: String) {
        FileHandle.standardError.write(Data("\(message)…\n".utf8))
    }
}
