import ConnectorKit
import TandemEngine
import Testing

/// Evaluation errors name the function and the kind of value, never the value.
@Suite struct ExpressionEvaluationErrorTests {
    @Test(
        arguments: [
            (#"CNum("abc")"#, "CNum", 1, "a value of kind string is not a whole number"),
            ("CNum([givenName])", "CNum", 1, "a value of kind string is not a whole number"),
            ("CNum([active])", "CNum", 1, "a value of kind boolean is not a whole number"),
            ("Trim(CNum([surname]))", "CNum", 6, "a value of kind string is not a whole number"),
            ("Item([phones], 4)", "Item", 1, "the index 4 is out of range for 3 values"),
            ("Item([phones], 0)", "Item", 1, "the index 0 is out of range for 3 values"),
            ("Item([givenName], 2)", "Item", 1, "the index 2 is out of range for 1 value"),
            ("Item([phones], Len([surname]))", "Item", 1, "the index is out of range for 3 values"),
            ("Left([givenName], CNum([negative]))", "Left", 1, "the count is negative"),
            (#"Left("abc", -1)"#, "Left", 1, "the count -1 is negative"),
            ("Left([givenName], [surname])", "Left", 1, "the count is a value of kind string, not a whole number"),
            ("Left([givenName], [phones])", "Left", 1, "the count has 3 values; expected one"),
            (#"Mid("abc", 0, 1)"#, "Mid", 1, "the start 0 is before the first character"),
            (#"Mid("abc", 1, -2)"#, "Mid", 1, "the count -2 is negative"),
            (
                "Lower([objectGUID])", "Lower", 1,
                "a value of kind binary is not text; use ConvertToBase64 or StringFromGuid"
            ),
            ("StringFromGuid([givenName])", "StringFromGuid", 1, "a value of kind string is not a binary GUID"),
            (
                "StringFromGuid([shortBinary])", "StringFromGuid", 1,
                "a value of kind binary that is not 16 bytes long is not a GUID"
            ),
            ("[phones] & \"-\" & [phones]", "&", 10, "more than one operand has several values"),
            (
                "[objectGUID] & \"\"", "&", 14,
                "a value of kind binary is not text; use ConvertToBase64 or StringFromGuid"
            ),
            ("IIF([phones], 1, 2)", "IIF", 1, "the condition has 3 values; expected one"),
            ("IIF([givenName], 1, 2)", "IIF", 1, "a value of kind string is not true, false or a number"),
            ("IIF([hired], 1, 2)", "IIF", 1, "a value of kind date is not a boolean"),
            ("[givenName] && True", "&&", 13, "a value of kind string is not true, false or a number"),
            (#"[phones] = "x""#, "=", 10, "the left operand has 3 values; expected one"),
            ("DNComponent([givenName], 1)", "DNComponent", 1, "a value of kind string is not a distinguished name"),
            (#"DNComponent("cn=a\\", 1)"#, "DNComponent", 1, "a value of kind string is not a distinguished name"),
            (#"DNComponent("cn=a,", 1)"#, "DNComponent", 1, "a value of kind string is not a distinguished name"),
            ("DNComponent([dn], 0)", "DNComponent", 1, "the component number 0 is below 1"),
            (
                #"FormatDateTime([givenName], "yyyy")"#, "FormatDateTime", 1,
                "a value of kind string does not match the input format"
            ),
            (
                #"FormatDateTime("2024-02-30", "yyyy-MM-dd", "yyyy")"#, "FormatDateTime", 1,
                "a value of kind string does not match the input format"
            ),
            (#"FormatDateTime([age], "yyyy")"#, "FormatDateTime", 1, "a value of kind integer is not a date"),
            (
                #"FormatDateTime([farFuture], "yyyy")"#, "FormatDateTime", 1,
                "the date is outside the years 0000 to 9999"
            ),
            (
                #"FormatDateTime([hired], [givenName])"#, "FormatDateTime", 1,
                "a value of kind string is not a valid output format"
            ),
            (#"Split("a", [empty])"#, "Split", 1, "the separator is empty"),
            (#"Split("a", ",", 0)"#, "Split", 1, "the limit 0 is below 1"),
            (
                #"Contains([mail], "x", [givenName])"#, "Contains", 1,
                "the case type must be CaseSensitive or CaseInsensitive"
            ),
            ("CBool([givenName])", "CBool", 1, "a value of kind string is not true, false or a number"),
        ] as [(String, String, Int, String)])
    func evaluationError(_ source: String, _ function: String, _ column: Int, _ message: String) throws {
        let expected = ExpressionEvaluationError(
            rule: "HR in", attribute: "displayName", function: function, column: column, message: message)
        #expect(throws: expected) { try ExpressionFixtures.evaluate(source) }
    }

    @Test func descriptionNamesRuleAttributeColumnAndFunction() throws {
        let expression = try CompiledExpression(parsing: "Trim(\n  CNum([givenName]))", rule: "HR in", attribute: "age")
        let error = try #require(throws: ExpressionEvaluationError.self) {
            try expression.evaluate(ExpressionFixtures.person)
        }
        #expect(
            error.description
                == #"rule "HR in", attribute age: line 2, column 3: CNum: a value of kind string is not a whole number"#
        )
    }

    @Test(arguments: [
        "CNum([surname])", "Item([phones], 9)", "StringFromGuid([mail])", #"DNComponent([mail], 1)"#,
        #"FormatDateTime([mail], "yyyy")"#, "IIF([mail], 1, 2)", "[phones] & [phones]",
        "Item([phones], Len([surname]))", #"FormatDateTime([hired], [mail])"#,
    ])
    func messagesNeverContainValues(_ source: String) throws {
        let error = try #require(throws: ExpressionEvaluationError.self) { try ExpressionFixtures.evaluate(source) }
        for value in ["Lovelace", "Ada", "+44", "Example", "8"] {
            #expect(!error.description.contains(value))
        }
    }
}
