import ConnectorKit
import ConnectorKitTesting
import Testing

@testable import LDAPConnector

/// Imports from a real slapd: paging, content-sync deltas (adds, modifies, deletes, renames, moves), the
/// modifyTimestamp fallback, and references as anchors.
@Suite struct LDAPImportTests {
    @Test func fullImportPagesThroughEveryEntry() async throws {
        let server = try await SlapdServer(ldif: SlapdServer.people(2_500))
        let connector = try LDAPConnector(configuration: server.configuration(["pageSize": .integer(100)]))
        let batches = try await importBatches(connector, .full, space: InMemoryConnectorSpace())
        #expect(batches.count >= 25, "2500 entries in pages of 100 come in at least 25 batches")
        #expect(batches.allSatisfy { $0.items.count <= 100 })
        var space = InMemoryConnectorSpace()
        try space.apply(batches)
        #expect(space.objects.count == 2_500)
        let person = try #require(space.object(named: "uid=person1234,ou=people,dc=example,dc=org"))
        #expect(person["mail"] == .string("person1234@example.org"))
        #expect(person.objectType == "person")
        #expect(batches.last?.isComplete == true)
        #expect(batches.last?.watermark?.value.hasPrefix("contentSync;") == true)
    }

    @Test func contentSyncDeltaReportsAddsModifiesDeletesRenamesAndMoves() async throws {
        let server = try await SlapdServer(ldif: SlapdServer.people(5))
        let connector = try LDAPConnector(configuration: server.configuration())
        var (space, watermark) = try await fullImport(connector)
        let renamed = try #require(space.object(named: "uid=person1,ou=people,dc=example,dc=org"))
        let moved = try #require(space.object(named: "uid=person2,ou=people,dc=example,dc=org"))
        let deleted = try #require(space.object(named: "uid=person3,ou=people,dc=example,dc=org"))
        let modified = try #require(space.object(named: "uid=person4,ou=people,dc=example,dc=org"))
        try await server.modify(
            """
            dn: uid=new1,ou=people,dc=example,dc=org
            changetype: add
            objectClass: inetOrgPerson
            uid: new1
            cn: New One
            sn: One

            dn: uid=person1,ou=people,dc=example,dc=org
            changetype: modrdn
            newrdn: uid=person1-renamed
            deleteoldrdn: 1

            dn: uid=person2,ou=people,dc=example,dc=org
            changetype: modrdn
            newrdn: uid=person2
            deleteoldrdn: 1
            newsuperior: ou=alumni,dc=example,dc=org

            dn: uid=person3,ou=people,dc=example,dc=org
            changetype: delete

            dn: uid=person4,ou=people,dc=example,dc=org
            changetype: modify
            replace: sn
            sn: Changed

            """)
        let batches = try await importBatches(connector, .delta(try #require(watermark)), space: space)
        let items = batches.flatMap(\.items)
        #expect(items.contains(.change(.delete(anchor: deleted.anchor, objectType: "person"))))
        #expect(
            items.contains(
                .change(
                    .rename(
                        anchor: renamed.anchor, objectType: "person",
                        newDistinguishedName: "uid=person1-renamed,ou=people,dc=example,dc=org"))))
        #expect(
            items.contains(
                .change(
                    .rename(
                        anchor: moved.anchor, objectType: "person",
                        newDistinguishedName: "uid=person2,ou=alumni,dc=example,dc=org"))))
        #expect(
            !items.contains { if case .change(.delete(let anchor, _)) = $0 { anchor == moved.anchor } else { false } })
        try space.apply(batches)
        watermark = batches.last?.watermark
        #expect(space.objects[modified.anchor]?["sn"] == .string("Changed"))
        #expect(space.object(named: "uid=new1,ou=people,dc=example,dc=org") != nil)
        #expect(space.objects[deleted.anchor] == nil)
        #expect(space.objects.count == 5)
        // The delta leaves the connector space exactly as a full import shows the directory.
        let (truth, _) = try await fullImport(connector)
        #expect(space == truth)
        // Nothing changed since: nothing reported.
        let again = try await importBatches(connector, .delta(try #require(watermark)), space: space)
        #expect(again.flatMap(\.items).isEmpty)
    }

    /// syncprov's refresh of one base reports every entry changed elsewhere as "no longer matching": with several
    /// base DNs, a modified person must not come back deleted from the groups' base, nor a modified group from
    /// the people's, and a move from one base to another is a rename.
    @Test func contentSyncOverSeveralBasesDeletesOnlyWhatLeftTheBases() async throws {
        let server = try await SlapdServer(
            ldif: SlapdServer.people(5) + """

                dn: cn=staff,ou=groups,dc=example,dc=org
                objectClass: groupOfNames
                cn: staff
                member: uid=person0,ou=people,dc=example,dc=org
                """)
        let connector = try LDAPConnector(
            configuration: server.configuration([
                "baseDNs": .list([
                    .string("ou=people,dc=example,dc=org"), .string("ou=groups,dc=example,dc=org"),
                    .string("ou=alumni,dc=example,dc=org"),
                ])
            ]))
        let (space, watermark) = try await fullImport(connector)
        let group = try #require(space.object(named: "cn=staff,ou=groups,dc=example,dc=org"))
        let person0 = try #require(space.object(named: "uid=person0,ou=people,dc=example,dc=org"))
        let person1 = try #require(space.object(named: "uid=person1,ou=people,dc=example,dc=org"))
        let moved = try #require(space.object(named: "uid=person2,ou=people,dc=example,dc=org"))
        let deleted = try #require(space.object(named: "uid=person3,ou=people,dc=example,dc=org"))
        try await server.modify(
            """
            dn: uid=person0,ou=people,dc=example,dc=org
            changetype: modify
            replace: sn
            sn: Changed

            dn: cn=staff,ou=groups,dc=example,dc=org
            changetype: modify
            add: member
            member: uid=person1,ou=people,dc=example,dc=org

            dn: uid=person2,ou=people,dc=example,dc=org
            changetype: modrdn
            newrdn: uid=person2
            deleteoldrdn: 1
            newsuperior: ou=alumni,dc=example,dc=org

            dn: uid=person3,ou=people,dc=example,dc=org
            changetype: delete

            """)
        let batches = try await importBatches(connector, .delta(try #require(watermark)), space: space)
        let deletes = batches.flatMap(\.items).compactMap { item -> Anchor? in
            if case .change(.delete(let anchor, _)) = item { anchor } else { nil }
        }
        #expect(deletes == [deleted.anchor], "only person3 was deleted")
        #expect(
            batches.flatMap(\.items).contains(
                .change(
                    .rename(
                        anchor: moved.anchor, objectType: "person",
                        newDistinguishedName: "uid=person2,ou=alumni,dc=example,dc=org"))))
        var after = space
        try after.apply(batches)
        #expect(after.objects[person0.anchor]?["sn"] == .string("Changed"))
        #expect(
            Set(after.objects[group.anchor]?.attributes["member"] ?? [])
                == [.reference(person0.anchor), .reference(person1.anchor)])
        let (truth, _) = try await fullImport(connector)
        #expect(after == truth)
    }

    /// A delta that reports a rename, with a reference still naming the old DN (refint rewrites references
    /// asynchronously): the reference may resolve through the connector space's old DN, but the index must keep
    /// the entry's new DN, or later exports of references to it write the old, dangling DN.
    @Test func exportsAfterADeltaWithARenameWriteTheNewName() async throws {
        let server = try await SlapdServer(
            ldif: SlapdServer.people(2) + """

                dn: uid=boss,ou=people,dc=example,dc=org
                objectClass: inetOrgPerson
                uid: boss
                cn: Boss
                sn: Boss
                manager: uid=person1,ou=people,dc=example,dc=org
                """)
        let connector = try LDAPConnector(configuration: server.configuration())
        let (space, watermark) = try await fullImport(connector)
        let person1 = try #require(space.object(named: "uid=person1,ou=people,dc=example,dc=org"))
        let boss = try #require(space.object(named: "uid=boss,ou=people,dc=example,dc=org"))
        #expect(boss["manager"] == .reference(person1.anchor))
        try await server.modify(
            """
            dn: uid=person1,ou=people,dc=example,dc=org
            changetype: modrdn
            newrdn: uid=person1-renamed
            deleteoldrdn: 1

            dn: uid=boss,ou=people,dc=example,dc=org
            changetype: modify
            replace: sn
            sn: Changed
            -
            replace: manager
            manager: uid=person1,ou=people,dc=example,dc=org

            """)
        // A new connector, as in a new `tandem cycle` process: its index knows nothing yet.
        let fresh = try LDAPConnector(configuration: server.configuration())
        let batches = try await importBatches(fresh, .delta(try #require(watermark)), space: space)
        var after = space
        try after.apply(batches)
        #expect(after.objects[boss.anchor]?["sn"] == .string("Changed"))
        #expect(after.objects[person1.anchor]?.distinguishedName == "uid=person1-renamed,ou=people,dc=example,dc=org")
        let results = try await fresh.export([
            .update(
                anchor: boss.anchor, objectType: "person", changes: [.replace("manager", [.reference(person1.anchor)])])
        ])
        #expect(results == [.applied(anchor: boss.anchor)])
        #expect(
            try await server.search("(uid=boss)", ["manager"]).contains(
                "manager: uid=person1-renamed,ou=people,dc=example,dc=org"))
    }

    @Test func withoutContentSyncDeltasUseModifyTimestampAndSweepsFindDeletes() async throws {
        let server = try await SlapdServer(contentSync: false, ldif: SlapdServer.people(5))
        let connector = try LDAPConnector(configuration: server.configuration())
        var (space, watermark) = try await fullImport(connector)
        #expect(watermark?.value.hasPrefix("modifyTimestamp;") == true, "the fallback mode shows in the watermark")
        let deleted = try #require(space.object(named: "uid=person3,ou=people,dc=example,dc=org"))
        let modified = try #require(space.object(named: "uid=person4,ou=people,dc=example,dc=org"))
        try await server.modify(
            """
            dn: uid=person3,ou=people,dc=example,dc=org
            changetype: delete

            dn: uid=person4,ou=people,dc=example,dc=org
            changetype: modify
            replace: sn
            sn: Changed

            """)
        let delta = try await importBatches(connector, .delta(try #require(watermark)), space: space)
        try space.apply(delta)
        #expect(space.objects[modified.anchor]?["sn"] == .string("Changed"))
        #expect(space.objects[deleted.anchor] != nil, "a modifyTimestamp delta cannot see deletes")
        // A watermark whose last sweep is older than fullSweepHours makes the delta sweep, which finds the delete.
        guard case .modifyTimestamp(let since, _)? = LDAPWatermark(try #require(delta.last?.watermark)) else {
            Issue.record("expected a modifyTimestamp watermark")
            return
        }
        watermark = LDAPWatermark.modifyTimestamp(since: since, sweptAt: 0).watermark
        let sweep = try await importBatches(connector, .delta(try #require(watermark)), space: space)
        #expect(sweep.flatMap(\.items) == [.change(.delete(anchor: deleted.anchor, objectType: "person"))])
        #expect(sweep.last?.isComplete == false)
    }

    @Test func referencesImportAsAnchorsOfTheEntriesTheyName() async throws {
        let server = try await SlapdServer(
            ldif: SlapdServer.people(3) + """

                dn: cn=staff,ou=groups,dc=example,dc=org
                objectClass: groupOfNames
                cn: staff
                member: uid=person0,ou=people,dc=example,dc=org
                member: UID=person2, ou=people,dc=example,dc=org

                dn: uid=boss,ou=people,dc=example,dc=org
                objectClass: inetOrgPerson
                uid: boss
                cn: Boss
                sn: Boss
                manager: uid=person1,ou=people,dc=example,dc=org
                """)
        // A page size of 1 puts the group before the people it names: references wait for every page.
        let connector = try LDAPConnector(configuration: server.configuration(["pageSize": .integer(1)]))
        let (space, _) = try await fullImport(connector)
        let group = try #require(space.object(named: "cn=staff,ou=groups,dc=example,dc=org"))
        let person0 = try #require(space.object(named: "uid=person0,ou=people,dc=example,dc=org"))
        let person1 = try #require(space.object(named: "uid=person1,ou=people,dc=example,dc=org"))
        let person2 = try #require(space.object(named: "uid=person2,ou=people,dc=example,dc=org"))
        #expect(group.objectType == "group")
        #expect(Set(group.attributes["member"] ?? []) == [.reference(person0.anchor), .reference(person2.anchor)])
        #expect(space.object(named: "uid=boss,ou=people,dc=example,dc=org")?["manager"] == .reference(person1.anchor))
    }
}
