import ConnectorKit
import TandemEngine

/// A person with one attribute of every kind, shared by the expression tests.
enum ExpressionFixtures {
    static let guidBytes: [UInt8] = [
        0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF,
    ]
    /// 2015-06-01T09:30:15.250000Z.
    static let hired: Int64 = 1_433_151_015_250_000
    /// 1843-07-10T12:00:00Z.
    static let born: Int64 = -3_991_291_200_000_000

    static let person: Attributes = [
        "givenName": [.string("Ada")],
        "surname": [.string("Lovelace")],
        "mail": [.string("Ada.Lovelace@Example.ORG")],
        "employeeId": [.string("E1001")],
        "status": [.string("active")],
        "phones": [.string("+44 1"), .string("+44 2"), .string("+44 1")],
        "age": [.integer(36)],
        "negative": [.string("-5")],
        "active": [.boolean(true)],
        "hired": [.date(microsecondsSince1970: hired)],
        "dates": [.date(microsecondsSince1970: hired), .date(microsecondsSince1970: born)],
        "farFuture": [.date(microsecondsSince1970: 600_000_000_000_000_000)],
        "objectGUID": [.binary(guidBytes)],
        "shortBinary": [.binary([1, 2, 3, 4, 5])],
        "manager": [.reference("E0001")],
        "empty": [.string("")],
        "padded": [.string("  Ada \t")],
        "dn": [.string("cn=Ada Lovelace,ou=people,dc=example,dc=org")],
    ]

    static func evaluate(_ source: String, _ attributes: Attributes = person) throws -> ExpressionResult {
        try CompiledExpression(parsing: source, rule: "HR in", attribute: "displayName").evaluate(attributes)
    }
}

/// Shorthands for expected results.
extension ExpressionResult {
    static func text(_ values: String...) -> ExpressionResult { .values(values.map(AttributeValue.string)) }
    static func integer(_ values: Int64...) -> ExpressionResult { .values(values.map(AttributeValue.integer)) }
    static func boolean(_ value: Bool) -> ExpressionResult { .values([.boolean(value)]) }
}
