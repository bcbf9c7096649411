import ConnectorKit

/// A compiled expression: the syntax tree the parser builds once and the evaluator walks for
/// every object.
package indirect enum ExpressionNode: Hashable, Sendable {
    /// A string, integer or boolean constant.
    case literal(AttributeValue)
    /// `NULL`.
    case null
    /// `AuthoritativeNull`.
    case authoritativeNull
    /// `[name]`.
    case attribute(String)
    /// `a & b & …`, flattened (concatenation is associative) with adjacent constants merged.
    case concatenation([ExpressionNode], ExpressionLocation)
    /// `a = b`, `a <> b`, `a < b`, ….
    case comparison(ComparisonOperator, ExpressionNode, ExpressionNode, ExpressionLocation)
    /// `a && b`: `b` is evaluated only if `a` is true.
    case and(ExpressionNode, ExpressionNode, ExpressionLocation)
    /// `a || b`: `b` is evaluated only if `a` is false.
    case or(ExpressionNode, ExpressionNode, ExpressionLocation)
    /// A function call; the location is the function name's.
    case call(ExpressionFunction, [ExpressionNode], ExpressionLocation)
    /// `FormatDateTime`, with constant formats compiled at parse time.
    case formatDateTime(
        ExpressionNode, input: DateTimeFormatArgument, output: DateTimeFormatArgument, ExpressionLocation)

    /// A comparison operator.
    package enum ComparisonOperator: String, Hashable, Sendable {
        case equal = "="
        case notEqual = "<>"
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
    }

    /// A format argument of `FormatDateTime`.
    package enum DateTimeFormatArgument: Hashable, Sendable {
        /// An empty format, or the input of the two-argument form: ISO 8601.
        case iso8601
        /// A constant format, compiled once.
        case compiled(DateTimeFormat)
        /// A format computed per object (rare), compiled at each evaluation.
        case computed(ExpressionNode)
    }
}
