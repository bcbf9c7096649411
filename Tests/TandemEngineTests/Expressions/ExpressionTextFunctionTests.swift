import ConnectorKit
import TandemEngine
import Testing

@Suite struct ExpressionTextFunctionTests {
    @Test(
        arguments: [
            (#"Trim("  a b  ")"#, .text("a b")),
            ("Trim([padded])", .text("Ada")),
            ("Trim(\"\u{00A0}x\u{3000}\u{2003}\")", .text("x")),
            (#"Trim("   ")"#, .null),
            ("Trim([nickname])", .null),
            (#"Trim(Split(" a , b ", ","))"#, .text("a", "b")),
            ("Trim(AuthoritativeNull)", .authoritativeNull),
            ("Trim(42)", .text("42")),
        ] as [(String, ExpressionResult)])
    func trim(_ source: String, _ expected: ExpressionResult) throws {
        #expect(try ExpressionFixtures.evaluate(source) == expected)
    }

    @Test(
        arguments: [
            ("Lower([mail])", .text("ada.lovelace@example.org")),
            (#"Lower("already lower")"#, .text("already lower")),
            (#"Lower("ÀÉÎ Straße")"#, .text("àéî straße")),
            (#"Lower("İSTANBUL")"#, .text("i\u{307}stanbul")),
            (#"Lower("ΣΑΣ")"#, .text("σασ")),
            ("Lower(True)", .text("true")),
            ("Lower([phones])", .text("+44 1", "+44 2", "+44 1")),
            (#"Upper("straße")"#, .text("STRASSE")),
            (#"Upper("istanbul")"#, .text("ISTANBUL")),
            (#"Upper("ǆemal ÿ")"#, .text("ǄEMAL Ÿ")),
            ("Upper([givenName] & [nickname])", .text("ADA")),
            ("Upper([nickname])", .null),
        ] as [(String, ExpressionResult)])
    func lowerAndUpper(_ source: String, _ expected: ExpressionResult) throws {
        #expect(try ExpressionFixtures.evaluate(source) == expected)
    }

    @Test(
        arguments: [
            (#"PCase("jean-luc o'neil")"#, .text("Jean-Luc O'neil")),
            (#"PCase("ANNE marie")"#, .text("Anne Marie")),
            (#"PCase("élodie DUBOIS")"#, .text("Élodie Dubois")),
            (#"PCase("3rd street (north)")"#, .text("3rd Street (North)")),
            (#"PCase("ǆemal")"#, .text("ǅemal")),
            (#"PCase("o’brien")"#, .text("O’brien")),
            ("PCase(\"e\u{301}mile zola\")", .text("E\u{301}mile Zola")),
            (#"PCase("")"#, .null),
        ] as [(String, ExpressionResult)])
    func properCase(_ source: String, _ expected: ExpressionResult) throws {
        #expect(try ExpressionFixtures.evaluate(source) == expected)
    }

    @Test(
        arguments: [
            (#"Left("Lovelace", 4)"#, .text("Love")),
            (#"Left("abc", 10)"#, .text("abc")),
            (#"Len(Left("abc", 0))"#, .integer(0)),
            (#"Left("日本語", 2)"#, .text("日本")),
            ("Left(\"e\u{301}x\", 1)", .text("e")),
            (#"Left("abc", "2")"#, .text("ab")),
            ("Left([phones], 3)", .text("+44", "+44", "+44")),
            ("Left([nickname], 2)", .null),
            ("Left([givenName], [nickname])", .null),
            (#"Right("Lovelace", 4)"#, .text("lace")),
            (#"Right("ab", 5)"#, .text("ab")),
            (#"Right("日本語", 1)"#, .text("語")),
            ("Right([age], 1)", .text("6")),
            (#"Mid("Lovelace", 5, 4)"#, .text("lace")),
            (#"Mid("abc", 2, 10)"#, .text("bc")),
            (#"Mid("abc", 3, 1)"#, .text("c")),
            (#"Len(Mid("abc", 4, 1))"#, .integer(0)),
            (#"Mid("ünïcödé", 2, 3)"#, .text("nïc")),
            ("Mid([nickname], 1, 1)", .null),
        ] as [(String, ExpressionResult)])
    func slicing(_ source: String, _ expected: ExpressionResult) throws {
        #expect(try ExpressionFixtures.evaluate(source) == expected)
    }

    @Test(
        arguments: [
            (#"Len("Ada")"#, .integer(3)),
            (#"Len("日本")"#, .integer(2)),
            ("Len(\"e\u{301}\")", .integer(2)),
            ("Len(\"👩‍💻\")", .integer(3)),
            (#"Len("")"#, .integer(0)),
            ("Len([phones])", .integer(5, 5, 5)),
            ("Len([nickname])", .null),
            ("Len([age])", .integer(2)),
        ] as [(String, ExpressionResult)])
    func length(_ source: String, _ expected: ExpressionResult) throws {
        #expect(try ExpressionFixtures.evaluate(source) == expected)
    }

    @Test(
        arguments: [
            (#"Replace("a.b.c", ".", "-")"#, .text("a-b-c")),
            (#"Replace("aaa", "aa", "b")"#, .text("ba")),
            (#"Replace("abc", "", "x")"#, .text("abc")),
            (#"Replace("abc", "x", "y")"#, .text("abc")),
            (#"Replace("abc", "abc", "")"#, .null),
            (#"Replace("Ünïcode", "ï", "i")"#, .text("Ünicode")),
            ("Replace(\"caf\u{E9}\", \"e\u{301}\", \"e\")", .text("caf\u{E9}")),
            (#"Replace("a\"b", "\"", "\\")"#, .text(#"a\b"#)),
            (#"Replace([phones], "+44 ", "0")"#, .text("01", "02", "01")),
            (#"Replace([nickname], "a", "b")"#, .null),
            (#"Replace([givenName], "a", NULL)"#, .null),
        ] as [(String, ExpressionResult)])
    func replace(_ source: String, _ expected: ExpressionResult) throws {
        #expect(try ExpressionFixtures.evaluate(source) == expected)
    }

    @Test(
        arguments: [
            (#"[givenName] & " " & [surname]"#, .text("Ada Lovelace")),
            (#"Trim([givenName] & " " & [surname])"#, .text("Ada Lovelace")),
            (#"Trim([nickname] & " " & [surname])"#, .text("Lovelace")),
            ("[givenName] & [nickname]", .text("Ada")),
            ("[nickname] & [nickname]", .null),
            (#""+" & [phones] & "!""#, .text("++44 1!", "++44 2!", "++44 1!")),
            (#"[age] & "y""#, .text("36y")),
            (#"[active] & "" & [manager]"#, .text("trueE0001")),
            (#"[hired] & """#, .text("2015-06-01T09:30:15.250000Z")),
            (#""a" & AuthoritativeNull"#, .authoritativeNull),
            (#""a" & ("b" & "c") & "d""#, .text("abcd")),
            (#""\"quoted\" \\ and\ttab""#, .text("\"quoted\" \\ and\ttab")),
            (
                #""uid=" & EscapeDNComponent(Lower([employeeId])) & ",ou=people,dc=example,dc=org""#,
                .text("uid=e1001,ou=people,dc=example,dc=org")
            ),
            ("[manager]", .values([.reference("E0001")])),
            ("[objectGUID]", .values([.binary(ExpressionFixtures.guidBytes)])),
        ] as [(String, ExpressionResult)])
    func concatenation(_ source: String, _ expected: ExpressionResult) throws {
        #expect(try ExpressionFixtures.evaluate(source) == expected)
    }
}
