import ConnectorKit
import ConnectorKitTesting
import Foundation
import LDAPConnector
import Testing

/// Exports to a real slapd, checked with ldapsearch: references as DNs, binary values, per-object failures.
@Suite struct LDAPExportTests {
    static func person(_ uid: String, _ attributes: Attributes = [:]) -> ConnectorObject {
        var all: Attributes = ["uid": [.string(uid)], "cn": [.string("Person \(uid)")], "sn": [.string(uid)]]
        for (name, values) in attributes { all[name] = values }
        return ConnectorObject(
            anchor: "", objectType: "person", distinguishedName: "uid=\(uid),ou=people,dc=example,dc=org",
            attributes: all)
    }

    @Test func referencesAreWrittenAsDistinguishedNames() async throws {
        let server = try await SlapdServer()
        let connector = try LDAPConnector(configuration: server.configuration())
        let added = try await connector.export([.add(Self.person("ada")), .add(Self.person("grace"))])
        guard case .applied(let ada) = added[0], case .applied(let grace) = added[1] else {
            Issue.record("adds failed: \(added)")
            return
        }
        let group = ConnectorObject(
            anchor: "", objectType: "group", distinguishedName: "cn=admins,ou=groups,dc=example,dc=org",
            attributes: ["cn": [.string("admins")], "member": [.reference(ada), .reference(grace)]])
        let results = try await connector.export([
            .add(group),
            .update(anchor: grace, objectType: "person", changes: [.replace("manager", [.reference(ada)])]),
        ])
        #expect(results.allSatisfy { if case .applied = $0 { true } else { false } }, "\(results)")
        let groupLDIF = try await server.search("(cn=admins)", ["member"])
        #expect(groupLDIF.contains("member: uid=ada,ou=people,dc=example,dc=org"))
        #expect(groupLDIF.contains("member: uid=grace,ou=people,dc=example,dc=org"))
        #expect(
            try await server.search("(uid=grace)", ["manager"]).contains("manager: uid=ada,ou=people,dc=example,dc=org")
        )
    }

    /// The engine orders a batch by anchor, not by dependency: an update naming an entry that the same batch moves
    /// must be written with the entry's new DN (slapd keeps a dangling DN without complaint).
    @Test func referencesToAnEntryMovedInTheSameBatchUseItsNewName() async throws {
        let server = try await SlapdServer()
        let connector = try LDAPConnector(configuration: server.configuration())
        let added = try await connector.export([.add(Self.person("ada")), .add(Self.person("grace"))])
        guard case .applied(let ada) = added[0], case .applied(let grace) = added[1] else {
            Issue.record("adds failed: \(added)")
            return
        }
        let group = ConnectorObject(
            anchor: "", objectType: "group", distinguishedName: "cn=admins,ou=groups,dc=example,dc=org",
            attributes: ["cn": [.string("admins")], "member": [.reference(ada)]])
        let results = try await connector.export([
            .update(anchor: grace, objectType: "person", changes: [.replace("manager", [.reference(ada)])]),
            .add(group),
            .rename(anchor: ada, objectType: "person", newDistinguishedName: "uid=ada,ou=alumni,dc=example,dc=org"),
        ])
        #expect(results.count == 3)
        #expect(results.first == .applied(anchor: grace), "results stay in the order of the changes")
        #expect(results.last == .applied(anchor: ada), "results stay in the order of the changes")
        #expect(
            try await server.search("(uid=grace)", ["manager"]).contains("manager: uid=ada,ou=alumni,dc=example,dc=org")
        )
        #expect(
            try await server.search("(cn=admins)", ["member"]).contains("member: uid=ada,ou=alumni,dc=example,dc=org"))
    }

    @Test func binaryValuesRoundTrip() async throws {
        let server = try await SlapdServer()
        let connector = try LDAPConnector(configuration: server.configuration())
        let photo: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x00, 0x80, 0xFE, 0x0A, 0x0D]
        let results = try await connector.export([.add(Self.person("pic", ["jpegPhoto": [.binary(photo)]]))])
        guard case .applied(let anchor) = results[0] else {
            Issue.record("add failed: \(results)")
            return
        }
        let (space, _) = try await fullImport(connector)
        #expect(space.objects[anchor]?["jpegPhoto"] == .binary(photo))
        let ldif = try await server.search("(uid=pic)", ["jpegPhoto"])
        #expect(ldif.contains("jpegPhoto:: " + Data(photo).base64EncodedString()))
    }

    @Test func anObjectClassViolationFailsThatObjectAndTheRestApply() async throws {
        let server = try await SlapdServer()
        let connector = try LDAPConnector(configuration: server.configuration())
        let results = try await connector.export([
            .add(Self.person("bad", ["gidNumber": [.integer(42)]])),  // not allowed by inetOrgPerson
            .add(Self.person("good")),
            .update(
                anchor: "6d9b8ba6-0000-0000-0000-000000000000", objectType: "person",
                changes: [.replace("sn", [.string("x")])]),
        ])
        guard case .failed(let error) = results[0] else {
            Issue.record("the add with a disallowed attribute applied: \(results[0])")
            return
        }
        #expect(error.code == .schema)
        #expect(error.code.isPerObject)
        #expect(error.message.contains("uid=bad,ou=people,dc=example,dc=org"))
        guard case .applied = results[1] else {
            Issue.record("the good add beside the bad one failed: \(results[1])")
            return
        }
        guard case .failed(let missing) = results[2] else {
            Issue.record("an update of an unknown anchor applied")
            return
        }
        #expect(missing.code == .notFound)
        #expect(try await server.search("(uid=good)", ["uid"]).contains("uid: good"))
        #expect(try await !server.search("(uid=bad)", ["uid"]).contains("uid: bad"))
    }
}
