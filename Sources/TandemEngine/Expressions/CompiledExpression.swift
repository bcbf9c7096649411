import ConnectorKit

/// An attribute-flow expression of a sync rule, parsed once and evaluated for every object.
///
/// The language follows Microsoft Entra's declarative provisioning expressions:
///
///     Trim([givenName] & " " & [surname])
///     "uid=" & EscapeDNComponent(Lower([employeeId])) & ",ou=people,dc=example,dc=org"
///     IIF(IsPresent([nickname]) && [status] = "active", [nickname], AuthoritativeNull)
///
/// - `[name]` reads an attribute (all its values); `"text"` is a string with `\"`, `\\`, `\n`,
///   `\r`, `\t` escapes; `42` and `-1` are integers; `True`, `False`, `NULL` and
///   `AuthoritativeNull` are constants. Names of functions and constants are case-sensitive.
/// - Operators, loosest first: `||`, `&&`, comparisons (`=`, `<>`, `<`, `<=`, `>`, `>=`, not
///   chainable), `&` (concatenation). Parentheses group.
/// - `&` joins text: a `NULL` operand counts as empty (the result is `NULL` only if all are),
///   a multi-valued operand yields one result per value, `AuthoritativeNull` makes the whole
///   result `AuthoritativeNull`.
/// - The functions and their rules are listed on `ExpressionFunction`.
///
/// Evaluation is deterministic: no clock, no randomness, no locale, no dictionary order.
/// A compiled expression is immutable and may be evaluated from many threads at once.
public struct CompiledExpression: Sendable, CustomStringConvertible {
    /// The source text, as written in the rule.
    public let source: String
    /// The rule the expression belongs to, for error messages.
    public let rule: String
    /// The attribute the expression computes, for error messages.
    public let attribute: String
    /// The names of the attributes the expression reads: a change to any other attribute cannot
    /// change its result. A set has no stable order; sort it before showing or recording it.
    public let referencedAttributes: Set<String>
    /// The syntax tree.
    package let root: ExpressionNode

    /// Parses and checks `source`: syntax, function names and argument counts, constant formats.
    ///
    /// - Throws: ``ExpressionParseError`` naming `rule`, `attribute` and the column.
    public init(parsing source: String, rule: String, attribute: String) throws(ExpressionParseError) {
        var parser = try ExpressionParser(source: source, rule: rule, attribute: attribute)
        self.root = try parser.parse()
        self.referencedAttributes = parser.referencedAttributes
        self.source = source
        self.rule = rule
        self.attribute = attribute
    }

    /// Evaluates against an object whose attribute values `attributes` returns (an empty array
    /// for an absent attribute).
    ///
    /// - Throws: ``ExpressionEvaluationError`` when a function cannot handle a value (`CNum` of
    ///   text that is not a number, `Item` out of range); its message never contains values.
    public func evaluate(_ attributes: (String) -> [AttributeValue]) throws(ExpressionEvaluationError)
        -> ExpressionResult
    {
        // A plain `[name]` is the most common flow: hand back the attribute's own array.
        if case .attribute(let name) = root { return ExpressionValue.result(attributes(name)) }
        do {
            return try ExpressionEvaluator.evaluate(root, attributes).result
        } catch {
            var error = error
            error.rule = rule
            error.attribute = attribute
            throw error
        }
    }

    /// Evaluates against a dictionary of attribute values.
    public func evaluate(_ attributes: Attributes) throws(ExpressionEvaluationError) -> ExpressionResult {
        try evaluate { attributes[$0] ?? [] }
    }

    /// The source text.
    public var description: String { source }
}
