import ConnectorKit
import TandemEngine
import Testing

@Suite struct ExpressionCollectionFunctionTests {
    @Test(
        arguments: [
            (#"Join(", ", [givenName], [surname])"#, .text("Ada, Lovelace")),
            (#"Join(";", [phones])"#, .text("+44 1;+44 2;+44 1")),
            (#"Join(" ", [givenName], [nickname], [empty], [surname])"#, .text("Ada Lovelace")),
            (#"Join("-", [nickname])"#, .null),
            (#"Join(NULL, "a")"#, .null),
            (#"Join("", "a", "b")"#, .text("ab")),
            (#"Join(",", [age], [active], [manager])"#, .text("36,true,E0001")),
            (#"Join(" · ", "日本", "ü")"#, .text("日本 · ü")),
        ] as [(String, ExpressionResult)])
    func join(_ source: String, _ expected: ExpressionResult) throws {
        #expect(try ExpressionFixtures.evaluate(source) == expected)
    }

    @Test(
        arguments: [
            (#"Split("a;b;c", ";")"#, .text("a", "b", "c")),
            (#"Split("a;;b", ";")"#, .text("a", "b")),
            (#"Count(Split("a;;b;", ";"))"#, .integer(4)),
            (#"Split("a, b, c", ", ", 2)"#, .text("a", "b, c")),
            (#"Split("a;b", ";", 1)"#, .text("a;b")),
            (#"Split("abc", ";")"#, .text("abc")),
            (#"Split("a::b", "::")"#, .text("a", "b")),
            (#"Split("x→y→z", "→")"#, .text("x", "y", "z")),
            (#"Split([phones], " ")"#, .text("+44", "1", "+44", "2", "+44", "1")),
            (#"Split([nickname], ";")"#, .null),
            (#"Split([givenName], NULL)"#, .null),
        ] as [(String, ExpressionResult)])
    func split(_ source: String, _ expected: ExpressionResult) throws {
        #expect(try ExpressionFixtures.evaluate(source) == expected)
    }

    @Test(
        arguments: [
            ("Item([phones], 2)", .text("+44 2")),
            (#"Item([phones], "3")"#, .text("+44 1")),
            ("Item([givenName], 1)", .text("Ada")),
            (#"Item(Split("a,b,c", ","), 3)"#, .text("c")),
            ("Item([nickname], 1)", .null),
            ("Item([phones], NULL)", .null),
            ("Count([phones])", .integer(3)),
            ("Count([givenName])", .integer(1)),
            ("Count([nickname])", .integer(0)),
            ("Count(NULL)", .integer(0)),
            ("Count(AuthoritativeNull)", .integer(0)),
            (#"Count(Split("a,b", ","))"#, .integer(2)),
            ("RemoveDuplicates([phones])", .text("+44 1", "+44 2")),
            (#"RemoveDuplicates(Split("b,a,b,A,a", ","))"#, .text("b", "a", "A")),
            ("RemoveDuplicates([givenName])", .text("Ada")),
            ("RemoveDuplicates([nickname])", .null),
            ("Count(RemoveDuplicates([phones]))", .integer(2)),
        ] as [(String, ExpressionResult)])
    func itemCountAndRemoveDuplicates(_ source: String, _ expected: ExpressionResult) throws {
        #expect(try ExpressionFixtures.evaluate(source) == expected)
    }

    @Test(
        arguments: [
            (#"Contains([phones], "44 2")"#, .integer(2)),
            (#"Contains([phones], "+44")"#, .integer(1)),
            (#"Contains([phones], "x")"#, .integer(0)),
            (#"Contains([mail], "example")"#, .integer(0)),
            (#"Contains([mail], "example", CaseInsensitive)"#, .integer(1)),
            (#"Contains([mail], "Example", CaseSensitive)"#, .integer(1)),
            (#"Contains([mail], "EXAMPLE", "CaseInsensitive")"#, .integer(1)),
            (#"Contains(Split("smtp:a@x;SMTP:b@x", ";"), "SMTP:")"#, .integer(2)),
            (#"Contains("Zoë", "ë")"#, .integer(1)),
            (#"Contains("ZOË", "ë", CaseInsensitive)"#, .integer(1)),
            (#"Contains([manager], "E0001")"#, .integer(1)),
            (#"Contains([manager], "E000")"#, .integer(0)),
            (#"Contains([age], "36")"#, .integer(1)),
            (#"Contains([nickname], "a")"#, .integer(0)),
            ("Contains([givenName], [nickname])", .integer(0)),
            (#"Contains([givenName], "")"#, .integer(1)),
        ] as [(String, ExpressionResult)])
    func contains(_ source: String, _ expected: ExpressionResult) throws {
        #expect(try ExpressionFixtures.evaluate(source) == expected)
    }

    @Test(
        arguments: [
            ("Coalesce([nickname], [givenName])", .text("Ada")),
            ("Coalesce([empty], [surname])", .text("Lovelace")),
            ("Coalesce([nickname], NULL)", .null),
            (#"Coalesce([nickname], AuthoritativeNull, "x")"#, .authoritativeNull),
            (#"Coalesce([phones], "x")"#, .text("+44 1", "+44 2", "+44 1")),
            (#"Coalesce([nickname], [empty], "default")"#, .text("default")),
            ("Coalesce([age])", .integer(36)),
        ] as [(String, ExpressionResult)])
    func coalesce(_ source: String, _ expected: ExpressionResult) throws {
        #expect(try ExpressionFixtures.evaluate(source) == expected)
    }
}
