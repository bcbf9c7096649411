import TandemJournal

/// Deterministic identity-like events: one JSON line (about 400 bytes) per user record, as a
/// connector would journal an upsert, with values varied per record so that compression
/// sees realistic redundancy (repeated keys and vocabularies, unique ids, names and numbers).
struct IdentityEvents {
    /// The journal's type code for these events; the journal does not interpret it.
    static let eventType: UInt16 = 1
    /// 2026-11-25T00:00:00Z: event times start here and advance about 1 ms per event.
    static let startTimeMicroseconds: Int64 = 1_795_564_800_000_000

    /// The events, in order.
    let events: [JournalEvent]
    /// The sum of the payload sizes: what throughput figures count.
    let rawBytes: Int

    /// Generates `count` events from `seed`.
    init(count: Int, seed: UInt64 = 0x7A4D_E5) {
        var random = SplitMix64(seed: seed)
        var events: [JournalEvent] = []
        events.reserveCapacity(count)
        var rawBytes = 0
        var time = Self.startTimeMicroseconds
        for index in 0..<count {
            let payload = Array(Self.record(index: index, random: &random).utf8)
            time += Int64(random.number(in: 200...1_800))
            events.append(JournalEvent(type: Self.eventType, timeMicroseconds: time, payload: payload))
            rawBytes += payload.count
        }
        self.events = events
        self.rawBytes = rawBytes
    }

    /// The payloads of the first `count` events concatenated: the same bytes the journal is
    /// given, for the gzip baselines.
    func concatenatedPayloads(ofFirst count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(rawBytes)
        for event in events.prefix(count) { bytes.append(contentsOf: event.payload) }
        return bytes
    }

    /// One user record as a JSON line ending in a newline.
    private static func record(index: Int, random: inout SplitMix64) -> String {
        let given = random.pick(Vocabulary.givenNames)
        let family = random.pick(Vocabulary.familyNames)
        let userName = "\(given.prefix(1))\(family)\(random.number(in: 1...999))".lowercased()
        let department = random.pick(Vocabulary.departments)
        let site = random.pick(Vocabulary.sites)
        let employeeID = "E\(digits(100_000 + index, width: 7))"
        let manager = "E\(digits(100_000 + random.number(in: 0...max(0, index / 50)), width: 7))"
        let id = uuidLike(&random)
        let title = random.pick(Vocabulary.titles)
        let telephone =
            "+1 555 \(digits(random.number(in: 0...999), width: 3)) \(digits(random.number(in: 0...9_999), width: 4))"
        let costCenter = "CC-\(random.number(in: 1000...1099))"
        let hireDate =
            "\(random.number(in: 1998...2026))-\(digits(random.number(in: 1...12), width: 2))-"
            + digits(random.number(in: 1...28), width: 2)
        let status = random.pick(Vocabulary.statuses)
        let groups = (0..<random.number(in: 1...3)).map { _ in "\"\(random.pick(Vocabulary.groups))\"" }
        let operation = index % 23 == 0 ? "delete" : (index % 5 == 0 ? "modify" : "add")
        return """
            {"op":"\(operation)","id":"\(id)","employeeId":"\(employeeID)","userName":"\(userName)",\
            "givenName":"\(given)","surname":"\(family)","displayName":"\(given) \(family)",\
            "mail":"\(given.lowercased()).\(family.lowercased())@example.org","department":"\(department)",\
            "title":"\(title)","manager":"\(manager)","telephone":"\(telephone)","office":"\(site)",\
            "costCenter":"\(costCenter)","hireDate":"\(hireDate)","status":"\(status)",\
            "groups":[\(groups.joined(separator: ","))]}

            """
    }

    private static func uuidLike(_ random: inout SplitMix64) -> String {
        let high = random.next()
        let low = random.next()
        let hex = digits(high, width: 16, radix: 16) + digits(low, width: 16, radix: 16)
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }

    private static func digits<T: BinaryInteger>(_ value: T, width: Int, radix: Int = 10) -> String {
        let text = String(value, radix: radix)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
