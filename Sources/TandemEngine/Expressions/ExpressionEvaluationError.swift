/// An expression that failed for one object, e.g. `CNum` of text that is not a number.
///
/// The message names the function and the kind of the offending value, never the value itself:
/// attribute values may be personal data. The engine quarantines the object and reports this.
public struct ExpressionEvaluationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The rule whose expression failed.
    public var rule: String
    /// The attribute the expression computes.
    public var attribute: String
    /// The function or operator that failed: `CNum`, `Item`, `&`, `=`.
    public var function: String
    /// The 1-based line of the failing call within the expression.
    public var line: Int
    /// The 1-based column of the failing call, counted in Unicode scalars.
    public var column: Int
    /// What went wrong, without values: `a value of kind string is not a whole number`.
    public var message: String

    /// Creates an error; `line` is 1 for single-line expressions.
    public init(rule: String, attribute: String, function: String, line: Int = 1, column: Int, message: String) {
        self.rule = rule
        self.attribute = attribute
        self.function = function
        self.line = line
        self.column = column
        self.message = message
    }

    /// An error whose rule and attribute ``CompiledExpression`` fills in when it rethrows.
    init(_ function: String, _ location: ExpressionLocation, _ message: String) {
        self.init(
            rule: "", attribute: "", function: function, line: location.line, column: location.column,
            message: message)
    }

    /// `rule "HR in", attribute age: column 1: CNum: a value of kind string is not a whole number`.
    public var description: String {
        let location = ExpressionLocation(line: line, column: column)
        return "rule \"\(rule)\", attribute \(attribute): \(location): \(function): \(message)"
    }
}
