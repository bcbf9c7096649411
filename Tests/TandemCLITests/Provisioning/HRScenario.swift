import Foundation

/// The company of the end-to-end scenario: people and groups in HR files, and the `tandem.yaml` that provisions
/// them into an LDAP directory (one OU per department) and a SCIM cloud directory.
struct HRScenario {
    struct Person {
        var id: String
        var givenName: String
        var surname: String
        var department: String
        var title: String
        var manager: String = ""
        var status: String = "active"

        var displayName: String { "\(givenName) \(surname)" }
        var userName: String { id.lowercased() }
        /// Where the directory should hold this person: `cn=NAME,ou=DEPARTMENT,ou=people,…`.
        var dn: String { "cn=\(displayName),ou=\(department.lowercased()),ou=people,dc=example,dc=org" }
        var mail: String { "\(givenName.lowercased()).\(surname.lowercased())@example.org" }
    }

    struct Group {
        var id: String
        var name: String
        var members: [String]
        var dn: String { "cn=\(id),ou=groups,dc=example,dc=org" }
    }

    var people: [Person]
    var groups: [Group]

    var active: [Person] { people.filter { $0.status == "active" } }

    func person(_ id: String) -> Person { people.first { $0.id == id }! }

    /// Six people in three departments, their department groups and an all-staff group.
    static let initial = HRScenario(
        people: [
            Person(id: "E1", givenName: "Ada", surname: "Lovelace", department: "Engineering", title: "Director"),
            Person(
                id: "E2", givenName: "Grace", surname: "Hopper", department: "Engineering", title: "Engineer",
                manager: "E1"),
            Person(
                id: "E3", givenName: "Alan", surname: "Turing", department: "Research", title: "Researcher",
                manager: "E1"),
            Person(id: "E4", givenName: "Barbara", surname: "Liskov", department: "Sales", title: "Manager"),
            Person(
                id: "E5", givenName: "Ken", surname: "Thompson", department: "Sales", title: "Associate",
                manager: "E4"),
            Person(
                id: "E6", givenName: "Radia", surname: "Perlman", department: "Engineering", title: "Engineer",
                manager: "E1"),
        ],
        groups: [
            Group(id: "eng", name: "Engineering", members: ["E1", "E2", "E6"]),
            Group(id: "sales", name: "Sales", members: ["E4", "E5"]),
            Group(id: "research", name: "Research", members: ["E3"]),
            Group(id: "all-staff", name: "Everyone", members: ["E1", "E2", "E3", "E4", "E5", "E6"]),
        ])

    /// A hire (E7), a rename (E2 marries: Hopper → Murray), a move (E6: Engineering → Sales, a new OU), a
    /// department change with a new manager (E5 now reports to the moved E6; E3 to the renamed E2), a leaver
    /// (E4 terminated) and the group memberships that follow.
    static var changed: HRScenario {
        var scenario = initial
        scenario.people.append(
            Person(
                id: "E7", givenName: "Edsger", surname: "Dijkstra", department: "Research", title: "Researcher",
                manager: "E3"))
        scenario.update("E2") { $0.surname = "Murray" }
        scenario.update("E6") {
            $0.department = "Sales"
            $0.title = "Sales Engineer"
        }
        scenario.update("E5") { $0.manager = "E6" }
        scenario.update("E3") {
            $0.manager = "E2"
            $0.title = "Principal Researcher"
        }
        scenario.update("E4") { $0.status = "terminated" }
        scenario.groups = [
            Group(id: "eng", name: "Engineering", members: ["E1", "E2"]),
            Group(id: "sales", name: "Sales", members: ["E5", "E6"]),
            Group(id: "research", name: "Research", members: ["E3", "E7"]),
            Group(id: "all-staff", name: "Everyone", members: ["E1", "E2", "E3", "E5", "E6", "E7"]),
        ]
        return scenario
    }

    mutating func update(_ id: String, _ change: (inout Person) -> Void) {
        change(&people[people.firstIndex { $0.id == id }!])
    }

    var peopleCSV: String {
        var text = "employeeId,givenName,surname,department,title,manager,status\n"
        for p in people {
            text += [p.id, p.givenName, p.surname, p.department, p.title, p.manager, p.status].joined(separator: ",")
            text += "\n"
        }
        return text
    }

    var groupsCSV: String {
        var text = "groupId,name,members\n"
        for g in groups { text += "\(g.id),\(g.name),\(g.members.joined(separator: ";"))\n" }
        return text
    }

    /// The directory's starting point: the suffix, an OU per department under `ou=people`, and `ou=groups`.
    static let baseLDIF = """
        dn: dc=example,dc=org
        objectClass: dcObject
        objectClass: organization
        dc: example
        o: Example

        dn: ou=people,dc=example,dc=org
        objectClass: organizationalUnit
        ou: people

        dn: ou=engineering,ou=people,dc=example,dc=org
        objectClass: organizationalUnit
        ou: engineering

        dn: ou=sales,ou=people,dc=example,dc=org
        objectClass: organizationalUnit
        ou: sales

        dn: ou=research,ou=people,dc=example,dc=org
        objectClass: organizationalUnit
        ou: research

        dn: ou=groups,dc=example,dc=org
        objectClass: organizationalUnit
        ou: groups

        """

    /// HR files in, the directory (DN from name and department, `manager` and `member` as references) and the
    /// cloud (users with the enterprise extension's manager, groups with members) out.
    static func configuration(ldapURL: String, ldapPasswordFile: String, scimURL: String, scimTokenFile: String)
        -> String
    {
        """
        dataDir: ./data
        exportDeletionThreshold: { count: 100, percent: 100 }

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
            passwordFile: \(ldapPasswordFile)
            baseDNs: ["ou=people,dc=example,dc=org", "ou=groups,dc=example,dc=org"]
            objectTypes: { person: inetOrgPerson, group: groupOfNames }
            attributes: [cn, sn, givenName, uid, mail, title, departmentNumber, employeeNumber, manager, member, description]
            references: [member, manager]
            deltaMode: contentSync
          cloud:
            type: scim
            url: \(scimURL)
            tokenFile: \(scimTokenFile)
            objectTypes: [User, Group]
            fullImportInterval: 0s

        metaverse:
          person: {}
          group: {}

        rules:
          - name: HR people in
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
              givenName: "[givenName]"
              surname: "[surname]"
              displayName: 'Trim([givenName] & " " & [surname])'
              mail: 'Lower([givenName] & "." & [surname] & "@example.org")'
              department: "[department]"
              title: "[title]"
              manager: "[manager]"

          - name: HR groups in
            direction: inbound
            connector: hrgroups
            from: group
            to: group
            precedence: 10
            join: [[{ source: groupId, target: groupId }]]
            projection: true
            flows:
              groupId: "[groupId]"
              displayName: "[name]"
              members: "[members]"

          - name: Directory people out
            direction: outbound
            connector: directory
            from: person
            to: person
            provision: true
            deprovision: delete
            dn: '"cn=" & EscapeDNComponent([displayName]) & ",ou=" & Lower([department]) & ",ou=people,dc=example,dc=org"'
            flows:
              cn: "[displayName]"
              sn: "[surname]"
              givenName: "[givenName]"
              uid: "Lower([employeeId])"
              employeeNumber: "[employeeId]"
              mail: "[mail]"
              title: "[title]"
              departmentNumber: "[department]"
              manager: "[manager]"

          - name: Directory groups out
            direction: outbound
            connector: directory
            from: group
            to: group
            provision: true
            deprovision: delete
            dn: '"cn=" & EscapeDNComponent([groupId]) & ",ou=groups,dc=example,dc=org"'
            flows:
              cn: "[groupId]"
              description: "[displayName]"
              member: "[members]"

          - name: Cloud users out
            direction: outbound
            connector: cloud
            from: person
            to: User
            provision: true
            deprovision: delete
            flows:
              userName: "Lower([employeeId])"
              externalId: "[employeeId]"
              displayName: "[displayName]"
              name.givenName: "[givenName]"
              name.familyName: "[surname]"
              emails: "[mail]"
              title: "[title]"
              employeeNumber: "[employeeId]"
              department: "[department]"
              manager: "[manager]"

          - name: Cloud groups out
            direction: outbound
            connector: cloud
            from: group
            to: Group
            provision: true
            deprovision: delete
            flows:
              displayName: "[displayName]"
              externalId: "[groupId]"
              members: "[members]"

        """
    }
}
