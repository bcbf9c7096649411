/// Generates identity-like records (HR people, ~400 bytes of JSON) for the demo.
/// Deterministic for a given index, so runs are reproducible.
enum SampleIdentities {
    private static let givenNames = [
        "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Dennis", "Radia",
        "Leslie", "Shafi", "Niklaus", "Tony", "Hedy", "Vint", "Adele", "Bjarne", "Sophie",
    ]
    private static let surnames = [
        "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Hamilton", "Ritchie",
        "Perlman", "Lamport", "Goldwasser", "Wirth", "Hoare", "Lamarr", "Cerf", "Goldberg", "Stroustrup", "Wilson",
    ]
    private static let departments = ["Engineering", "Finance", "Sales", "Support", "Legal", "Research", "People"]
    private static let offices = ["Berlin", "Lisbon", "Toronto", "Nairobi", "Osaka", "Austin", "Dublin"]

    static func record(_ index: Int, revision: Int = 0) -> [UInt8] {
        let given = givenNames[index % givenNames.count]
        let surname = surnames[(index / givenNames.count) % surnames.count]
        let employeeID = "E\(String(100_000 + index))"
        let department = departments[(index &* 7 &+ revision) % departments.count]
        let office = offices[(index &* 3) % offices.count]
        let manager = index < 10 ? "" : "E\(String(100_000 + index / 10))"
        let mail = "\(given.lowercased()).\(surname.lowercased()).\(index)@example.org"
        let json = """
            {"op":"upsert","objectType":"person","anchor":"\(employeeID)","attributes":{"employeeId":"\(employeeID)",\
            "givenName":"\(given)","surname":"\(surname)","displayName":"\(given) \(surname)","mail":"\(mail)",\
            "department":"\(department)","office":"\(office)","title":"Member of Technical Staff","manager":"\(manager)",\
            "status":"active","phones":["+1 555 \(String(1000 + index % 9000))"],"costCenter":"CC-\(index % 97)",\
            "revision":\(revision)}}
            """
        return Array(json.utf8)
    }
}
