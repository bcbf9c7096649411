import Foundation
import TandemJournal

/// Identity records as journal events (about 400 bytes of JSON each), deterministic from a seed,
/// of an event type the engine does not know (so both servers' engines skip them when applying).
struct IdentityWorkload {
    static let eventType: UInt16 = 60_000
    private var state: UInt64

    init(seed: UInt64 = 0x5EED) { state = seed }

    private mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private static let givenNames = [
        "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Leslie",
    ]
    private static let surnames = [
        "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Perlman", "Lamport",
    ]
    private static let departments = ["Engineering", "Sales", "Finance", "Legal", "Operations", "Support", "Research"]

    /// One event, stamped with `timeMicroseconds`.
    mutating func event(_ index: Int, timeMicroseconds: Int64) -> JournalEvent {
        let given = Self.givenNames[Int(next() % 10)]
        let surname = Self.surnames[Int(next() % 10)]
        let department = Self.departments[Int(next() % 7)]
        let uuid = String(next(), radix: 16) + String(next(), radix: 16)
        let json = """
            {"op":"update","uuid":"\(uuid)","employeeId":"E\(100_000 + index)","givenName":"\(given)",\
            "surname":"\(surname)","displayName":"\(given) \(surname)","mail":"\(given.lowercased()).\(surname.lowercased()).\(index)@example.org",\
            "department":"\(department)","title":"Engineer \(next() % 5)","manager":"E\(100_000 + Int(next() % 1000))",\
            "phones":["+1 555 \(1000 + next() % 9000)","+1 555 \(1000 + next() % 9000)"],"status":"active","costCenter":"CC-\(next() % 100)"}
            """
        return JournalEvent(type: Self.eventType, timeMicroseconds: timeMicroseconds, payload: Array(json.utf8))
    }
}
