import ConnectorKit
import TandemEngine
import Testing

@Suite struct ExpressionLogicTests {
    @Test(
        arguments: [
            ("IIF(IsPresent([nickname]), [nickname], [givenName])", .text("Ada")),
            (#"IIF([active], "yes", "no")"#, .text("yes")),
            (#"IIF([age] > 30, "senior", "junior")"#, .text("senior")),
            ("IIF(NULL, 1, 2)", .integer(2)),
            (#"IIF("TRUE", 1, 2)"#, .integer(1)),
            (#"IIF("0", 1, 2)"#, .integer(2)),
            ("IIF(0, 1, 2)", .integer(2)),
            ("IIF(-3, 1, 2)", .integer(1)),
            (#"IIF(True, "a", CNum("not a number"))"#, .text("a")),
            ("IIF([age] > 40, [givenName], AuthoritativeNull)", .authoritativeNull),
            ("IIF(False, [givenName], NULL)", .null),
            (#"Lower(IIF(False, "A", AuthoritativeNull))"#, .authoritativeNull),
        ] as [(String, ExpressionResult)])
    func iif(_ source: String, _ expected: ExpressionResult) throws {
        #expect(try ExpressionFixtures.evaluate(source) == expected)
    }

    @Test(
        arguments: [
            ("IsPresent([givenName])", .boolean(true)),
            ("IsPresent([nickname])", .boolean(false)),
            ("IsPresent([empty])", .boolean(false)),
            ("IsPresent([phones])", .boolean(true)),
            ("IsPresent([age])", .boolean(true)),
            ("IsPresent(AuthoritativeNull)", .boolean(false)),
            (#"IsPresent("")"#, .boolean(false)),
            (#"IsPresent(Split(",", ","))"#, .boolean(false)),
            ("IsNullOrEmpty([givenName])", .boolean(false)),
            ("IsNullOrEmpty([nickname])", .boolean(true)),
            ("IsNullOrEmpty([empty])", .boolean(true)),
            ("Not(True)", .boolean(false)),
            ("Not(NULL)", .boolean(true)),
            ("Not(IsPresent([nickname]))", .boolean(true)),
        ] as [(String, ExpressionResult)])
    func presence(_ source: String, _ expected: ExpressionResult) throws {
        #expect(try ExpressionFixtures.evaluate(source) == expected)
    }

    @Test(
        arguments: [
            (#"[status] = "active""#, .boolean(true)),
            (#"[status] <> "active""#, .boolean(false)),
            (#"[status] = "Active""#, .boolean(false)),
            (#"[age] = "36""#, .boolean(true)),
            ("[age] >= 18", .boolean(true)),
            ("[age] < -1", .boolean(false)),
            ("10 > 9", .boolean(true)),
            (#""10" > "9""#, .boolean(false)),
            (#""b" > "a""#, .boolean(true)),
            (#""B" < "a""#, .boolean(true)),
            ("[nickname] = NULL", .boolean(true)),
            (#"[nickname] = """#, .boolean(false)),
            (#"[nickname] <> "x""#, .boolean(true)),
            ("[nickname] < 1", .boolean(false)),
            (#"[hired] < "2030-01-01""#, .boolean(true)),
            (#"[hired] = "2015-06-01T10:30:15.25+01:00""#, .boolean(true)),
            (#"[active] = "TRUE""#, .boolean(true)),
            (#"[manager] = "E0001""#, .boolean(true)),
            ("[status] = \"active\" && [age] > 40", .boolean(false)),
            ("[status] = \"active\" || [age] > 40", .boolean(true)),
            (#"True || CNum("x") = 1"#, .boolean(true)),
            (#"False && CNum("x") = 1"#, .boolean(false)),
            ("(True || False) && Not(False)", .boolean(true)),
            (#"IsPresent([mail]) && Contains([mail], "@") > 0"#, .boolean(true)),
        ] as [(String, ExpressionResult)])
    func comparisonsAndLogic(_ source: String, _ expected: ExpressionResult) throws {
        #expect(try ExpressionFixtures.evaluate(source) == expected)
    }

    @Test(
        arguments: [
            ("NULL", .null),
            ("AuthoritativeNull", .authoritativeNull),
            ("[nickname]", .null),
            ("[empty]", .null),
            (#""""#, .null),
            ("True", .boolean(true)),
            ("-42", .integer(-42)),
            ("CaseSensitive", .text("CaseSensitive")),
        ] as [(String, ExpressionResult)])
    func constants(_ source: String, _ expected: ExpressionResult) throws {
        #expect(try ExpressionFixtures.evaluate(source) == expected)
    }

    @Test(
        arguments: [
            ("CStr(42)", .text("42")),
            ("CStr([hired])", .text("2015-06-01T09:30:15.250000Z")),
            ("CStr([manager])", .text("E0001")),
            ("CStr(True)", .text("true")),
            ("CStr([phones])", .text("+44 1", "+44 2", "+44 1")),
            ("CStr([nickname])", .null),
            (#"CNum("42")"#, .integer(42)),
            (#"CNum("-7")"#, .integer(-7)),
            (#"CNum("+7")"#, .integer(7)),
            ("CNum([age])", .integer(36)),
            (#"CNum(Split("1,2", ","))"#, .integer(1, 2)),
            ("CNum([nickname])", .null),
            (#"CBool("true")"#, .boolean(true)),
            (#"CBool("False")"#, .boolean(false)),
            ("CBool(0)", .boolean(false)),
            (#"CBool("5")"#, .boolean(true)),
            ("CBool([active])", .boolean(true)),
            ("CBool([nickname])", .null),
        ] as [(String, ExpressionResult)])
    func conversions(_ source: String, _ expected: ExpressionResult) throws {
        #expect(try ExpressionFixtures.evaluate(source) == expected)
    }
}
