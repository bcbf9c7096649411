/// An entry as the server sent it: its DN and each attribute's values as bytes.
struct RawEntry: Sendable {
    var dn: String
    var attributes: [(name: String, values: [[UInt8]])]

    /// The values of `name`, compared without case as LDAP attribute names are.
    func values(_ name: String) -> [[UInt8]]? {
        attributes.first { $0.name.caseInsensitiveEquals(name) }?.values
    }

    /// The first value of `name` as text.
    func text(_ name: String) -> String? {
        values(name)?.first.map { String(decoding: $0, as: UTF8.self) }
    }
}
