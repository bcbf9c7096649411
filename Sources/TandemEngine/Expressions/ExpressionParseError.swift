/// An expression that does not compile: what is wrong, where, and in which rule.
///
/// Unknown functions and wrong argument counts are parse errors too, so a rule set that loads
/// never fails for those reasons during a sync.
public struct ExpressionParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The rule whose expression failed (`HR in`).
    public var rule: String
    /// The attribute the expression computes (`displayName`, or `dn` for a rule's DN).
    public var attribute: String
    /// The 1-based line within the expression.
    public var line: Int
    /// The 1-based column within the line, counted in Unicode scalars.
    public var column: Int
    /// What is wrong, e.g. `expected ')' after arguments of Trim`.
    public var message: String

    /// Creates an error; `line` is 1 for single-line expressions.
    public init(rule: String, attribute: String, line: Int = 1, column: Int, message: String) {
        self.rule = rule
        self.attribute = attribute
        self.line = line
        self.column = column
        self.message = message
    }

    init(rule: String, attribute: String, location: ExpressionLocation, message: String) {
        self.init(rule: rule, attribute: attribute, line: location.line, column: location.column, message: message)
    }

    /// `rule "HR in", attribute displayName: column 14: expected ')' after arguments of Trim`.
    public var description: String {
        let location = ExpressionLocation(line: line, column: column)
        return "rule \"\(rule)\", attribute \(attribute): \(location): \(message)"
    }
}
