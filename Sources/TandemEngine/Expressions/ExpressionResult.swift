import ConnectorKit

/// What an expression computed for one object.
///
/// The engine treats the three cases differently: values set the attribute, `NULL` contributes
/// nothing (a lower-precedence rule may still set it), `AuthoritativeNull` removes the attribute
/// and stops lower-precedence rules from setting it.
public enum ExpressionResult: Hashable, Sendable {
    /// One or more values, in order. Never empty and never holds an empty string: directories
    /// reject empty values, so the evaluator drops them (and returns ``null`` if none remain).
    case values([AttributeValue])
    /// No value: an absent attribute, the `NULL` keyword, or a function given nothing.
    case null
    /// The `AuthoritativeNull` keyword: delete the attribute and block lower-precedence rules.
    case authoritativeNull
}
