import Foundation

/// The demo's generated company: people in an HR file, department groups in a groups file,
/// and the configuration that syncs them into a directory of accounts and groups.
struct DemoScenario {
    let people: Int

    struct Person {
        var employeeID: String
        var givenName: String
        var surname: String
        var department: String
        var title: String
        var manager: String
        var status: String
        var phones: [String]
        var mail: String
    }

    static let departments = ["Engineering", "Finance", "Sales", "Support", "Legal", "Research", "People"]
    private static let givenNames = [
        "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Dennis", "Radia",
        "Leslie",
        "Shafi", "Niklaus", "Tony", "Hedy", "Vint", "Adele", "Bjarne", "Sophie",
    ]
    private static let surnames = [
        "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Hamilton", "Ritchie",
        "Perlman", "Lamport", "Goldwasser", "Wirth", "Hoare", "Lamarr", "Cerf", "Goldberg", "Stroustrup", "Wilson",
    ]
    private static let titles = ["Engineer", "Analyst", "Manager", "Specialist", "Director", "Associate"]

    func person(_ i: Int) -> Person {
        let given = Self.givenNames[i % Self.givenNames.count]
        let surname = Self.surnames[(i / Self.givenNames.count + i) % Self.surnames.count]
        return Person(
            employeeID: "E\(100_000 + i)", givenName: given, surname: surname,
            department: Self.departments[(i * 7 / 3) % Self.departments.count],
            title: Self.titles[i % Self.titles.count],
            manager: i < 7 ? "" : "E\(100_000 + i / 7)", status: "active",
            phones: ["+1 555 \(1000 + i % 9000)", "+1 555 \(2000 + i % 7000)"],
            mail: "\(given.lowercased()).\(surname.lowercased()).\(i)@example.org")
    }

    /// RFC 4180 field quoting.
    static func csvField(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func peopleCSV(_ people: [Person]) -> String {
        var text = "employeeId,givenName,surname,mail,department,title,manager,status,phones\r\n"
        for p in people {
            text +=
                [
                    p.employeeID, p.givenName, p.surname, p.mail, p.department, p.title, p.manager, p.status,
                    p.phones.joined(separator: ";"),
                ].map(csvField).joined(separator: ",") + "\r\n"
        }
        return text
    }

    /// One group per department, whose members are its active people.
    static func groupsCSV(_ people: [Person]) -> String {
        var text = "groupId,name,members\r\n"
        for department in departments {
            let members = people.filter { $0.department == department && $0.status == "active" }.map(\.employeeID)
            text +=
                ["G-\(department.lowercased())", "\(department) department", members.joined(separator: ";")]
                .map(csvField).joined(separator: ",") + "\r\n"
        }
        return text
    }

    static let configuration = """
        # Tandem demo: an HR system (CSV files) feeds a directory (JSON Lines files).
        dataDir: ./data
        exportDeletionThreshold: { count: 500, percent: 20 }
        errorLimit: 5000
        schedule: { interval: 30m }

        connectors:
          hr:
            type: file
            path: ./hr.csv
            objectType: person
            anchor: employeeId
            multiValued: { phones: ";" }
            references: { manager: person }
          hrgroups:
            type: file
            path: ./groups.csv
            objectType: group
            anchor: groupId
            multiValued: { members: ";" }
            references: { members: person }
          directory:
            type: file
            path: ./directory/accounts.jsonl
            objectType: account
            anchor: uid
            references: { manager: account }
          directorygroups:
            type: file
            path: ./directory/groups.jsonl
            objectType: group
            anchor: cn
            references: { member: account }

        metaverse:
          person: { unique: [mail] }
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
              mail: "Lower([mail])"
              department: "[department]"
              title: "[title]"
              manager: "[manager]"
              phones: "[phones]"

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

          - name: Directory accounts out
            direction: outbound
            connector: directory
            from: person
            to: account
            provision: true
            deprovision: delete
            flows:
              uid: "Lower([employeeId])"
              cn: "[displayName]"
              mail: "[mail]"
              department: "[department]"
              title: "[title]"
              manager: "[manager]"
              telephoneNumber: "[phones]"

          - name: Directory groups out
            direction: outbound
            connector: directorygroups
            from: group
            to: group
            provision: true
            deprovision: delete
            flows:
              cn: "[groupId]"
              description: "[displayName]"
              member: "[members]"
        """
}
