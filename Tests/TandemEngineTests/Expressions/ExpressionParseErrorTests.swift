import TandemEngine
import Testing

/// Parse errors are API: their text and columns are pinned here.
@Suite struct ExpressionParseErrorTests {
    @Test(
        arguments: [
            (#"Trim([givenName] & " " [surname])"#, 1, 24, "expected ')' after arguments of Trim"),
            ("", 1, 1, "the expression is empty"),
            ("   ", 1, 1, "the expression is empty"),
            ("Foo([x])", 1, 1, "unknown function 'Foo'"),
            ("lower([mail])", 1, 1, "unknown function 'lower'; did you mean 'Lower'?"),
            (#""日本" & Foo()"#, 1, 8, "unknown function 'Foo'"),
            ("Trim()", 1, 1, "Trim takes 1 argument, found 0"),
            ("Trim([a], [b])", 1, 1, "Trim takes 1 argument, found 2"),
            ("Lower(Mid([a], 1))", 1, 7, "Mid takes 3 arguments, found 2"),
            ("Split([a])", 1, 1, "Split takes 2 or 3 arguments, found 1"),
            (#"Join(",")"#, 1, 1, "Join takes at least 2 arguments, found 1"),
            ("Coalesce()", 1, 1, "Coalesce takes at least 1 argument, found 0"),
            (#""abc"#, 1, 1, "unterminated string literal"),
            (#"[a] & "a\qb""#, 1, 9, #"unknown escape sequence '\q' in a string; write '\\' for a backslash"#),
            ("[givenName", 1, 1, "unterminated attribute reference; expected ']'"),
            ("Lower([ ])", 1, 7, "empty attribute reference"),
            ("[a] # [b]", 1, 5, "unexpected character '#'"),
            ("“x”", 1, 1, "unexpected character '“'; strings are written in straight double quotes"),
            ("Lower('x')", 1, 7, "unexpected character '''; strings are written in double quotes"),
            ("[a] | [b]", 1, 5, "unexpected character '|'; did you mean '||'?"),
            (#"[a] != "x""#, 1, 5, "unexpected character '!'; write '<>' for not equal and Not(…) for negation"),
            ("[a] [b]", 1, 5, "expected an operator or the end of the expression, found an attribute reference"),
            ("Trim([a]))", 1, 10, "expected an operator or the end of the expression, found ')'"),
            ("Trim([a]", 1, 9, "expected ')' after arguments of Trim"),
            ("Trim([a],)", 1, 10, "expected an expression, found ')'"),
            (#"([a] & "x""#, 1, 11, "expected ')' to close the '(' at column 1"),
            ("[a] = [b] = [c]", 1, 11, "comparisons cannot be chained; combine them with '&&' or '||'"),
            ("null", 1, 1, "unknown name 'null'; did you mean 'NULL'?"),
            ("givenName", 1, 1, "unknown name 'givenName'; attribute references are written [givenName]"),
            ("Trim", 1, 5, "expected '(' after Trim"),
            ("99999999999999999999", 1, 1, "number is too large"),
            (#"- "x""#, 1, 3, "expected a number after '-', found a string"),
            (
                #"FormatDateTime([d], "yyyy-MMM")"#, 1, 21,
                "FormatDateTime: unsupported format token 'MMM' in the output format"
            ),
            (
                #"FormatDateTime([d], "yy", "yyyy")"#, 1, 21,
                "FormatDateTime: unsupported format token 'yy' in the input format"
            ),
            (#"FormatDateTime([d], "'abc")"#, 1, 21, "FormatDateTime: unterminated quoted text in the output format"),
            (
                #"Contains([a], "x", "Sensitive")"#, 1, 20,
                "Contains: the third argument must be CaseSensitive or CaseInsensitive"
            ),
            (#"Split([a], "")"#, 1, 12, "Split: the separator is empty"),
            ("Trim(\n  [a] [b])", 2, 7, "expected ')' after arguments of Trim"),
            ("IIF(IsPresent([a]),\n    [a],\n    Lower([b]", 3, 14, "expected ')' after arguments of Lower"),
        ] as [(String, Int, Int, String)])
    func parseError(_ source: String, _ line: Int, _ column: Int, _ message: String) {
        #expect(
            throws: ExpressionParseError(
                rule: "HR in", attribute: "displayName", line: line, column: column, message: message)
        ) {
            try CompiledExpression(parsing: source, rule: "HR in", attribute: "displayName")
        }
    }

    @Test func descriptionNamesRuleAttributeAndColumn() throws {
        let error = try #require(throws: ExpressionParseError.self) {
            try CompiledExpression(
                parsing: #"Trim([givenName] & " " [surname])"#, rule: "HR in", attribute: "displayName")
        }
        #expect(
            error.description
                == #"rule "HR in", attribute displayName: column 24: expected ')' after arguments of Trim"#)
    }

    @Test func descriptionNamesTheLineOfMultiLineExpressions() throws {
        let error = try #require(throws: ExpressionParseError.self) {
            try CompiledExpression(parsing: "Trim(\n  Foo([a]))", rule: "LDAP out", attribute: "cn")
        }
        #expect(error.description == #"rule "LDAP out", attribute cn: line 2, column 3: unknown function 'Foo'"#)
    }

    @Test(arguments: ["Trim", "Lower", "Upper", "PCase", "Len", "Count", "CStr", "StringFromGuid", "RemoveDuplicates"])
    func everyFunctionNameIsCaseSensitive(_ name: String) {
        #expect(throws: ExpressionParseError.self) {
            try CompiledExpression(
                parsing: "\(name.uppercased() == name ? name.lowercased() : name.uppercased())([a])", rule: "r",
                attribute: "a")
        }
        #expect(throws: Never.self) { try CompiledExpression(parsing: "\(name)([a])", rule: "r", attribute: "a") }
    }
}
