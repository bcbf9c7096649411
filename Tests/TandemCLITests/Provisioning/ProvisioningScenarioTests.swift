import Foundation
import Testing

/// Issue 4's end-to-end scenario, through the real `tandem` binary: people and groups from HR files are
/// provisioned into a real slapd and a real scim2-server; then a hire, a rename, a move, a department and manager
/// change, a leaver and membership changes flow through delta cycles. Each end state is read straight from the
/// servers (`ldapsearch`, SCIM GET), not through Tandem.
@Suite struct ProvisioningScenarioTests {
    static let enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

    @Test func hrToDirectoryAndCloudThroughDeltaCycles() async throws {
        let directory = try await ScenarioDirectory.start(ldif: HRScenario.baseLDIF)
        let cloud: ScenarioCloud
        do {
            cloud = try await ScenarioCloud.start()
        } catch {
            await directory.stop()
            throw error
        }
        do {
            try await scenario(directory, cloud)
        } catch {
            await directory.stop()
            await cloud.stop()
            throw error
        }
        await directory.stop()
        await cloud.stop()
    }

    func scenario(_ directory: ScenarioDirectory, _ cloud: ScenarioCloud) async throws {
        let work = TemporaryDirectory("e2e")
        try cloud.token.write(toFile: work.file("scim-token"), atomically: true, encoding: .utf8)
        try HRScenario.configuration(
            ldapURL: directory.url, ldapPasswordFile: directory.passwordFile, scimURL: cloud.url,
            scimTokenFile: work.file("scim-token")
        ).write(toFile: work.file("tandem.yaml"), atomically: true, encoding: .utf8)

        // Initial provisioning.
        try write(HRScenario.initial, to: work)
        let initial = try await TandemProcess.run(["cycle", "--initial"], directory: work.path)
        #expect(initial.status == 0, "tandem cycle --initial: \(initial.stdout)\(initial.stderr)")
        // Groups (`groupOfNames` requires `member`) and people with managers are written after the people they
        // reference, in the same export run: no run of the initial cycle has errors.
        let runs = initial.lines.filter { $0.hasPrefix("#") }
        #expect(runs.count == 12, "\(initial.stdout)")
        for line in runs where !line.hasSuffix("errors 0") && !line.contains("errors 0;") {
            Issue.record("a run of the initial cycle has errors: \(line)\n\(initial.stdout)")
        }
        try await converge(work)
        let firstDirectory = try await checkDirectory(directory, holds: HRScenario.initial)
        let firstCloud = try await checkCloud(cloud, holds: HRScenario.initial)
        try await expectCloudQuiet(work)

        // HR changes: hire, rename, move, department and manager changes, a leaver, memberships.
        try write(HRScenario.changed, to: work)
        try await converge(work)
        let secondDirectory = try await checkDirectory(directory, holds: HRScenario.changed)
        // The renamed and the moved person are the same entries, not deleted and re-created.
        for id in ["E1", "E2", "E3", "E5", "E6"] {
            #expect(secondDirectory[id] == firstDirectory[id], "entryUUID of \(id) changed")
        }
        #expect(secondDirectory["E7"] != nil)
        #expect(secondDirectory["E4"] == nil)
        let secondCloud = try await checkCloud(cloud, holds: HRScenario.changed)
        try await expectCloudQuiet(work)
        for id in ["E1", "E2", "E3", "E5", "E6"] {
            #expect(secondCloud[id] == firstCloud[id], "SCIM id of \(id) changed")
        }
        #expect(secondCloud["E7"] != nil)
        #expect(secondCloud["E4"] == nil)
    }

    func write(_ scenario: HRScenario, to work: TemporaryDirectory) throws {
        try scenario.peopleCSV.write(toFile: work.file("hr.csv"), atomically: true, encoding: .utf8)
        try scenario.groupsCSV.write(toFile: work.file("groups.csv"), atomically: true, encoding: .utf8)
    }

    /// Runs delta cycles until every export is confirmed by a re-import: a cycle exports nothing and leaves
    /// `tandem exports pending` empty (an empty list alone is not enough: a rename's attribute updates and
    /// references to new objects are staged only once the re-import confirms them), and a further cycle neither
    /// exports nor reports errors.
    func converge(_ work: TemporaryDirectory) async throws {
        func exports(_ cycle: TandemProcess.Result) -> [String] {
            cycle.lines.filter { $0.contains(" export: ") && !$0.contains("adds 0, updates 0, deletes 0") }
        }
        var log = ""
        for _ in 0..<8 {
            let cycle = try await TandemProcess.run(["cycle"], directory: work.path)
            log += cycle.stdout + cycle.stderr
            try #require(cycle.status == 0, "tandem cycle failed: \(log)")
            let pending = try await TandemProcess.run(["exports", "pending", "--json"], directory: work.path)
            try #require(pending.status == 0, "tandem exports pending: \(pending.stderr)")
            if pending.lines.isEmpty && exports(cycle).isEmpty {
                let last = try await TandemProcess.run(["cycle"], directory: work.path)
                #expect(
                    last.status == 0 && exports(last).isEmpty,
                    "a cycle after convergence still exported: \(last.stdout)")
                let errors = last.lines.filter { !$0.contains("errors 0") && $0.hasPrefix("#") }
                #expect(errors.isEmpty, "runs with errors after convergence: \(errors)\n\(log)")
                return
            }
            log += pending.stdout
        }
        Issue.record("exports still pending after 8 delta cycles:\n\(log)")
    }

    /// Once its exports are confirmed the cloud is quiet: a further cycle's SCIM delta import, which lists every
    /// user and group again (`fullImportInterval: 0s`), hands the engine none of them (not even as unchanged:
    /// the connector compares with the connector space itself), and nothing is exported. Checked strictly,
    /// whatever the directory half does.
    func expectCloudQuiet(_ work: TemporaryDirectory) async throws {
        let cycle = try await TandemProcess.run(["cycle"], directory: work.path)
        try #require(cycle.status == 0, "tandem cycle failed: \(cycle.stdout)\(cycle.stderr)")
        let cloud = cycle.lines.filter { $0.contains(" cloud ") }
        #expect(cloud.count == 3, "one import, sync and export line for the cloud: \(cycle.stdout)")
        for line in cloud where !line.contains("adds 0, updates 0, deletes 0, unchanged 0, errors 0") {
            Issue.record("the cloud is not quiet after convergence: \(line)")
        }
    }

    /// Checks the directory's people (DN, attributes, manager DN) and groups (member DNs) against the scenario;
    /// returns each person's entryUUID by employee ID.
    @discardableResult
    func checkDirectory(_ directory: ScenarioDirectory, holds scenario: HRScenario) async throws -> [String: String] {
        let people = try await directory.search(
            base: "ou=people,dc=example,dc=org", filter: "(objectClass=inetOrgPerson)",
            attributes: [
                "entryUUID", "cn", "sn", "uid", "employeeNumber", "title", "departmentNumber", "manager", "mail",
            ])
        #expect(
            Set(people.map { $0.dn.lowercased() }) == Set(scenario.active.map { $0.dn.lowercased() }),
            "people in the directory: \(people.map(\.dn))")
        var uuids: [String: String] = [:]
        for person in scenario.active {
            guard let entry = people.first(where: { $0.first("employeeNumber") == person.id }) else {
                Issue.record("\(person.id) is not in the directory")
                continue
            }
            uuids[person.id] = entry.first("entryUUID")
            #expect(entry.dn.lowercased() == person.dn.lowercased())
            #expect(entry.values("cn") == [person.displayName], "\(entry)")
            #expect(entry.first("sn") == person.surname, "\(entry)")
            #expect(entry.first("uid") == person.userName, "\(entry)")
            #expect(entry.first("title") == person.title, "\(entry)")
            #expect(entry.first("departmentNumber") == person.department, "\(entry)")
            #expect(entry.first("mail") == person.mail, "\(entry)")
            let manager = person.manager.isEmpty ? [] : [scenario.person(person.manager).dn.lowercased()]
            #expect(entry.values("manager").map { $0.lowercased() } == manager, "manager of \(person.id): \(entry)")
        }
        let groups = try await directory.search(
            base: "ou=groups,dc=example,dc=org", filter: "(objectClass=groupOfNames)",
            attributes: ["cn", "description", "member"])
        #expect(Set(groups.map { $0.dn.lowercased() }) == Set(scenario.groups.map { $0.dn.lowercased() }))
        for group in scenario.groups {
            guard let entry = groups.first(where: { $0.first("cn") == group.id }) else {
                Issue.record("group \(group.id) is not in the directory")
                continue
            }
            #expect(entry.first("description") == group.name)
            let expected = Set(group.members.map { scenario.person($0).dn.lowercased() })
            #expect(Set(entry.values("member").map { $0.lowercased() }) == expected, "members of \(group.id)")
        }
        return uuids
    }

    /// Checks the cloud's users (names, enterprise department and manager) and groups (members) against the
    /// scenario; returns each user's SCIM id by employee ID.
    @discardableResult
    func checkCloud(_ cloud: ScenarioCloud, holds scenario: HRScenario) async throws -> [String: String] {
        let users = try await cloud.list("/Users")
        let byUserName = Dictionary(
            users.map { ($0["userName"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        #expect(Set(byUserName.keys) == Set(scenario.active.map(\.userName)), "users in the cloud")
        var ids: [String: String] = [:]
        for person in scenario.active {
            if let id = byUserName[person.userName]?["id"] as? String { ids[person.id] = id }
        }
        for person in scenario.active {
            guard let user = byUserName[person.userName] else {
                Issue.record("\(person.id) is not in the cloud")
                continue
            }
            let name = user["name"] as? [String: Any]
            #expect(name?["familyName"] as? String == person.surname, "\(user)")
            #expect(name?["givenName"] as? String == person.givenName, "\(user)")
            #expect(user["displayName"] as? String == person.displayName, "\(user)")
            #expect(user["title"] as? String == person.title, "\(user)")
            #expect(user["externalId"] as? String == person.id, "\(user)")
            let emails = (user["emails"] as? [[String: Any]])?.compactMap { $0["value"] as? String }
            #expect(emails == [person.mail], "\(user)")
            let extensionValues = user[Self.enterprise] as? [String: Any]
            #expect(extensionValues?["department"] as? String == person.department, "\(user)")
            #expect(extensionValues?["employeeNumber"] as? String == person.id, "\(user)")
            let manager = (extensionValues?["manager"] as? [String: Any])?["value"] as? String
            #expect(manager == (person.manager.isEmpty ? nil : ids[person.manager]), "manager of \(person.id): \(user)")
        }
        let groups = try await cloud.list("/Groups")
        #expect(Set(groups.compactMap { $0["displayName"] as? String }) == Set(scenario.groups.map(\.name)))
        for group in scenario.groups {
            guard let resource = groups.first(where: { $0["displayName"] as? String == group.name }) else {
                Issue.record("group \(group.name) is not in the cloud")
                continue
            }
            #expect(resource["externalId"] as? String == group.id)
            let members = (resource["members"] as? [[String: Any]] ?? []).compactMap { $0["value"] as? String }
            #expect(Set(members) == Set(group.members.compactMap { ids[$0] }), "members of \(group.name)")
            #expect(members.count == group.members.count, "members of \(group.name): \(members)")
        }
        return ids
    }
}
