/// One token of an expression's source, with where it starts.
struct ExpressionToken: Hashable, Sendable {
    enum Kind: Hashable, Sendable {
        case string(String)
        case integer(Int64)
        case attribute(String)
        case identifier(String)
        case leftParenthesis, rightParenthesis, comma, minus
        case ampersand, and, or
        case comparison(ExpressionNode.ComparisonOperator)
        case end
    }

    var kind: Kind
    var location: ExpressionLocation

    /// How error messages name the token: `')'`, `a string`, `'Trim'`, `the end of the expression`.
    var description: String {
        switch kind {
        case .string: "a string"
        case .integer: "a number"
        case .attribute: "an attribute reference"
        case .identifier(let name): "'\(name)'"
        case .leftParenthesis: "'('"
        case .rightParenthesis: "')'"
        case .comma: "','"
        case .minus: "'-'"
        case .ampersand: "'&'"
        case .and: "'&&'"
        case .or: "'||'"
        case .comparison(let comparison): "'\(comparison.rawValue)'"
        case .end: "the end of the expression"
        }
    }
}
