import Foundation
import Testing

/// A group and the people it names, and people who name each other as managers, provisioned into a real slapd
/// in one export run: `groupOfNames` requires `member`, so the group can only be added after its members, and a
/// cycle of `manager` references can only be written as an add followed by an update.
@Suite struct ReferenceOrderTests {
    static let people = """
        employeeId,name,manager
        P1,Ada Lovelace,
        P2,Grace Hopper,P1
        P3,Alan Turing,P4
        P4,Ken Thompson,P3

        """

    static let groups = """
        groupId,members
        staff,P1;P2;P3;P4

        """

    static func configuration(ldapURL: String, passwordFile: String) -> String {
        """
        dataDir: ./data
        connectors:
          hr:
            type: file
            path: ./hr.csv
            objectType: person
            anchor: employeeId
            references: { manager: person }
          hrgroups:
            type: file
            path: ./groups.csv
            objectType: group
            anchor: groupId
            multiValued: { members: ";" }
            references: { members: person }
          directory:
            type: ldap
            url: \(ldapURL)
            bindDN: cn=admin,dc=example,dc=org
            passwordFile: \(passwordFile)
            baseDNs: ["ou=people,dc=example,dc=org", "ou=groups,dc=example,dc=org"]
            objectTypes: { person: inetOrgPerson, group: groupOfNames }
            attributes: [cn, sn, employeeNumber, manager, member]
            references: [member, manager]
            deltaMode: contentSync
        metaverse:
          person: {}
          group: {}
        rules:
          - { name: people in, direction: inbound, connector: hr, from: person, to: person, projection: true,
              join: [[{ source: employeeId, target: employeeId }]],
              flows: { employeeId: "[employeeId]", name: "[name]", manager: "[manager]" } }
          - { name: groups in, direction: inbound, connector: hrgroups, from: group, to: group, projection: true,
              join: [[{ source: groupId, target: groupId }]], flows: { groupId: "[groupId]", members: "[members]" } }
          - name: people out
            direction: outbound
            connector: directory
            from: person
            to: person
            provision: true
            dn: '"cn=" & EscapeDNComponent([name]) & ",ou=people,dc=example,dc=org"'
            flows: { cn: "[name]", sn: "[name]", employeeNumber: "[employeeId]", manager: "[manager]" }
          - name: groups out
            direction: outbound
            connector: directory
            from: group
            to: group
            provision: true
            dn: '"cn=" & EscapeDNComponent([groupId]) & ",ou=groups,dc=example,dc=org"'
            flows: { cn: "[groupId]", member: "[members]" }

        """
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

        """

    @Test func groupAndMembersAndManagerCycleInOneExportRun() async throws {
        let directory = try await ScenarioDirectory.start(ldif: Self.baseLDIF)
        do {
            try await check(directory)
        } catch {
            await directory.stop()
            throw error
        }
        await directory.stop()
    }

    func check(_ directory: ScenarioDirectory) async throws {
        let work = TemporaryDirectory("refs")
        try Self.configuration(ldapURL: directory.url, passwordFile: directory.passwordFile)
            .write(toFile: work.file("tandem.yaml"), atomically: true, encoding: .utf8)
        try Self.people.write(toFile: work.file("hr.csv"), atomically: true, encoding: .utf8)
        try Self.groups.write(toFile: work.file("groups.csv"), atomically: true, encoding: .utf8)

        let initial = try await TandemProcess.run(["cycle", "--initial"], directory: work.path)
        try #require(initial.status == 0, "tandem cycle --initial: \(initial.stdout)\(initial.stderr)")
        // Five adds, the group after its members and P2 after its manager; the P3 ⇄ P4 cycle is broken by adding
        // one of them without its manager and writing that manager in a follow-up update.
        let export = initial.lines.filter { $0.contains(" directory export: ") }
        #expect(
            export.count == 1 && export[0].hasSuffix("success — adds 5, updates 1, deletes 0, unchanged 0, errors 0"),
            "\(initial.stdout)")

        func dn(_ name: String) -> String { "cn=\(name),ou=people,dc=example,dc=org" }
        let people = try await directory.search(
            base: "ou=people,dc=example,dc=org", filter: "(objectClass=inetOrgPerson)", attributes: ["cn", "manager"])
        let managers = Dictionary(
            people.map { ($0.first("cn") ?? "", $0.values("manager").map { $0.lowercased() }) },
            uniquingKeysWith: { a, _ in a })
        #expect(managers["Ada Lovelace"] == [])
        #expect(managers["Grace Hopper"] == [dn("Ada Lovelace").lowercased()])
        #expect(managers["Alan Turing"] == [dn("Ken Thompson").lowercased()])
        #expect(managers["Ken Thompson"] == [dn("Alan Turing").lowercased()])
        let groups = try await directory.search(
            base: "ou=groups,dc=example,dc=org", filter: "(objectClass=groupOfNames)", attributes: ["member"])
        #expect(groups.count == 1)
        #expect(
            Set(groups.first?.values("member").map { $0.lowercased() } ?? [])
                == Set(["Ada Lovelace", "Grace Hopper", "Alan Turing", "Ken Thompson"].map { dn($0).lowercased() }))

        // The next cycle's import confirms every export: nothing is pending and nothing is written again.
        let next = try await TandemProcess.run(["cycle"], directory: work.path)
        try #require(next.status == 0, "tandem cycle: \(next.stdout)\(next.stderr)")
        for line in next.lines where line.contains(" directory export: ") {
            #expect(line.hasSuffix("success — adds 0, updates 0, deletes 0, unchanged 0, errors 0"), "\(next.stdout)")
        }
        let pending = try await TandemProcess.run(["exports", "pending", "--json"], directory: work.path)
        #expect(pending.status == 0 && pending.lines.isEmpty, "still pending: \(pending.stdout)")
        let status = try await TandemProcess.run(["status"], directory: work.path)
        #expect(status.stdout.contains("directory: 5 objects, 0 pending exports, 0 errors"), "\(status.stdout)")
    }
}
