/// A generated company: people with about twenty attributes in an HR file, a few large groups,
/// and the 1 % of changes a delta cycle processes. Deterministic: the same size gives the same
/// bytes, so a run can be repeated and a folder reused.
struct Population {
    /// People in the initial HR file.
    let people: Int

    /// The changes between the initial HR file and the delta's: 1 % of the people in all.
    struct Changes {
        /// People whose attributes change (title, department, phones, and for every tenth the surname and mail).
        var updated: Set<Int>
        /// People whose status becomes `terminated` (they leave the scope of the inbound rule).
        var terminated: Set<Int>
        /// People removed from the file (the import deletes them).
        var removed: Set<Int>
        /// New people, numbered after the initial ones.
        var hires: Range<Int>

        var count: Int { updated.count + terminated.count + removed.count + hires.count }
    }

    /// The delta's changes: 80 % attribute changes, 10 % leavers (half terminated, half removed
    /// from the file), 10 % hires, spread over the file by a stride coprime to its size.
    var changes: Changes {
        let total = max(10, people / 100)
        let leavers = total / 10
        let hires = total / 10
        let updates = total - leavers - hires
        var order = (0..<(updates + leavers)).lazy.map { (Int($0) &* self.stride) % self.people }.makeIterator()
        var changes = Changes(updated: [], terminated: [], removed: [], hires: people..<(people + hires))
        for _ in 0..<updates { changes.updated.insert(order.next()!) }
        for index in 0..<leavers {
            let person = order.next()!
            if index % 2 == 0 { changes.terminated.insert(person) } else { changes.removed.insert(person) }
        }
        return changes
    }

    /// A prime that does not divide `people` (so `k * stride % people` visits distinct people).
    private var stride: Int {
        for prime in [999_983, 1_000_003, 7_919, 104_729] where people % prime != 0 { return prime }
        return 1
    }

    /// The groups: a few large ones, the largest a twentieth of the company (50,000 of 1,000,000 people).
    var groups: [Group] {
        [20, 50, 100, 200, 500, 1_000].enumerated().map { index, divisor in
            Group(number: index, every: divisor)
        }
    }

    /// A group whose members are every `every`-th person (offset by the group's number).
    struct Group {
        var number: Int
        var every: Int

        var id: String { "G\(1_000 + number)" }
        var name: String { "Large group \(number + 1) (every \(every)th person)" }

        func contains(_ person: Int) -> Bool { person % every == number % every }
    }

    static func employeeID(_ person: Int) -> String { "E\(10_000_000 + person)" }

    static let givenNames = [
        "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Dennis", "Radia",
        "Leslie", "Shafi", "Niklaus", "Tony", "Hedy", "Vint", "Adele", "Bjarne", "Sophie", "Katherine", "John",
        "Lynn", "Guido", "Anita",
    ]
    static let surnames = [
        "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Hamilton", "Ritchie",
        "Perlman", "Lamport", "Goldwasser", "Wirth", "Hoare", "Lamarr", "Cerf", "Goldberg", "Stroustrup", "Wilson",
        "Johnson", "Backus", "Conway", "Rossum", "Borg", "McCarthy", "Kay", "Sammet", "Milner", "Floyd", "Codd",
    ]
    static let departments = [
        "Engineering", "Finance", "Sales", "Support", "Legal", "Research", "People", "Marketing", "Operations",
        "Security", "Facilities", "Procurement",
    ]
    static let titles = [
        "Engineer", "Senior Engineer", "Analyst", "Manager", "Specialist", "Director", "Associate", "Consultant",
        "Architect", "Coordinator",
    ]
    static let locations = [
        ("Berlin", "DE"), ("Paris", "FR"), ("London", "GB"), ("New York", "US"), ("Austin", "US"), ("Toronto", "CA"),
        ("Sydney", "AU"), ("Tokyo", "JP"), ("Madrid", "ES"), ("Warsaw", "PL"), ("Dublin", "IE"),
    ]

    /// The columns of the HR file, the anchor first: 21 attributes.
    static let columns = [
        "employeeId", "givenName", "surname", "preferredName", "mail", "department", "division", "costCenter",
        "title", "jobCode", "location", "country", "company", "employeeType", "status", "hireDate", "manager",
        "phones", "mobile", "office", "badgeNumber",
    ]

    /// One person's HR row (no field needs quoting); `changed` gives the delta's version of an updated person.
    static func row(_ person: Int, changed: Bool = false, status: String = "active") -> String {
        let given = givenNames[person % givenNames.count]
        var surname = surnames[(person / givenNames.count + person) % surnames.count]
        var department = departments[(person * 7 / 3) % departments.count]
        var title = titles[person % titles.count]
        var phone = "+1 555 \(1_000 + person % 9_000)"
        if changed {
            department = departments[(person * 7 / 3 + 1) % departments.count]
            title = titles[(person + 3) % titles.count]
            phone = "+1 556 \(1_000 + person % 9_000)"
            if person % 10 == 0 { surname += "-Hopper" }
        }
        let (city, country) = locations[person % locations.count]
        let year = 1990 + person % 35
        let month = 1 + person % 12
        let day = 1 + person % 28
        let hireDate = "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
        // A hierarchy of tens: person p reports to p / 10 (the first ten report to no one).
        let manager = person < 10 ? "" : employeeID(person / 10)
        let fields = [
            employeeID(person), given, surname, person % 7 == 0 ? String(given.prefix(3)) : "",
            "\(given.lowercased()).\(surname.lowercased()).\(person)@example.org", department,
            "Division \(1 + person % 9)", "CC-\(4_000 + person % 800)", title, "J\(100 + person % 250)", city, country,
            person % 13 == 0 ? "Tandem Labs" : "Tandem Inc", person % 11 == 0 ? "contractor" : "employee", status,
            hireDate, manager, "\(phone);+1 555 \(2_000 + person % 7_000)", "+1 444 \(person % 1_000_000)",
            "\(city) \(1 + person % 40).\(100 + person % 300)", "B\(person &* 2_654_435_761 % 100_000_000)",
        ]
        return fields.joined(separator: ",")
    }
}

extension Population.Group {
    /// How many of the first `people` people are members.
    func members(of people: Int) -> Int {
        let offset = number % every
        return people > offset ? (people - offset + every - 1) / every : 0
    }
}
