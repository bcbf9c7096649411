import ConnectorKit

/// A recursive-descent parser from tokens to an ``ExpressionNode``.
///
/// Grammar, loosest binding first:
///
///     expression := and ( "||" and )*
///     and        := comparison ( "&&" comparison )*
///     comparison := concat [ ( "=" | "<>" | "<" | "<=" | ">" | ">=" ) concat ]
///     concat     := unary ( "&" unary )*
///     unary      := "-" number | primary
///     primary    := string | number | "[" name "]" | keyword | name "(" [ expression ( "," expression )* ] ")"
///                 | "(" expression ")"
///     keyword    := NULL | AuthoritativeNull | True | False | CaseSensitive | CaseInsensitive
struct ExpressionParser {
    private let tokens: [ExpressionToken]
    private let rule: String
    private let attribute: String
    private var index = 0
    /// Every `[name]` the expression reads.
    private(set) var referencedAttributes: Set<String> = []

    private static let functions: [String: ExpressionFunction] = Dictionary(
        uniqueKeysWithValues: ExpressionFunction.allCases.map { ($0.rawValue, $0) })
    private static let keywords = ["NULL", "AuthoritativeNull", "True", "False", "CaseSensitive", "CaseInsensitive"]

    init(source: String, rule: String, attribute: String) throws(ExpressionParseError) {
        var lexer = ExpressionLexer(source: source, rule: rule, attribute: attribute)
        self.tokens = try lexer.tokens()
        self.rule = rule
        self.attribute = attribute
    }

    /// Parses the whole source.
    mutating func parse() throws(ExpressionParseError) -> ExpressionNode {
        guard current.kind != .end else { throw error("the expression is empty", at: ExpressionLocation(column: 1)) }
        let node = try parseOr()
        guard current.kind == .end else {
            throw error(
                "expected an operator or the end of the expression, found \(current.description)", at: current)
        }
        return node
    }

    private var current: ExpressionToken { tokens[index] }

    private mutating func advance() {
        if index < tokens.count - 1 { index += 1 }
    }

    private func error(_ message: String, at token: ExpressionToken) -> ExpressionParseError {
        error(message, at: token.location)
    }

    private func error(_ message: String, at location: ExpressionLocation) -> ExpressionParseError {
        ExpressionParseError(rule: rule, attribute: attribute, location: location, message: message)
    }

    private mutating func parseOr() throws(ExpressionParseError) -> ExpressionNode {
        var left = try parseAnd()
        while current.kind == .or {
            let location = current.location
            advance()
            left = .or(left, try parseAnd(), location)
        }
        return left
    }

    private mutating func parseAnd() throws(ExpressionParseError) -> ExpressionNode {
        var left = try parseComparison()
        while current.kind == .and {
            let location = current.location
            advance()
            left = .and(left, try parseComparison(), location)
        }
        return left
    }

    private mutating func parseComparison() throws(ExpressionParseError) -> ExpressionNode {
        let left = try parseConcatenation()
        guard case .comparison(let comparison) = current.kind else { return left }
        let location = current.location
        advance()
        let right = try parseConcatenation()
        if case .comparison = current.kind {
            throw error("comparisons cannot be chained; combine them with '&&' or '||'", at: current)
        }
        return .comparison(comparison, left, right, location)
    }

    private mutating func parseConcatenation() throws(ExpressionParseError) -> ExpressionNode {
        let first = try parseUnary()
        guard current.kind == .ampersand else { return first }
        let location = current.location
        var parts: [ExpressionNode] = []
        func append(_ node: ExpressionNode) {
            switch node {
            case .concatenation(let inner, _):
                for part in inner { append(part) }
            case .literal(.string(let text)):
                if case .literal(.string(let previous)) = parts.last {
                    parts[parts.count - 1] = .literal(.string(previous + text))
                } else {
                    parts.append(node)
                }
            default:
                parts.append(node)
            }
        }
        append(first)
        while current.kind == .ampersand {
            advance()
            append(try parseUnary())
        }
        return parts.count == 1 ? parts[0] : .concatenation(parts, location)
    }

    private mutating func parseUnary() throws(ExpressionParseError) -> ExpressionNode {
        guard current.kind == .minus else { return try parsePrimary() }
        advance()
        guard case .integer(let value) = current.kind else {
            throw error("expected a number after '-', found \(current.description)", at: current)
        }
        advance()
        return .literal(.integer(-value))
    }

    private mutating func parsePrimary() throws(ExpressionParseError) -> ExpressionNode {
        let token = current
        switch token.kind {
        case .string(let text):
            advance()
            return .literal(.string(text))
        case .integer(let value):
            advance()
            return .literal(.integer(value))
        case .attribute(let name):
            advance()
            referencedAttributes.insert(name)
            return .attribute(name)
        case .leftParenthesis:
            advance()
            let inner = try parseOr()
            guard current.kind == .rightParenthesis else {
                throw error("expected ')' to close the '(' at \(token.location)", at: current)
            }
            advance()
            return inner
        case .identifier(let name):
            advance()
            if current.kind == .leftParenthesis { return try parseCall(name, at: token) }
            return try keyword(name, at: token)
        default:
            throw error("expected an expression, found \(token.description)", at: token)
        }
    }

    private func keyword(_ name: String, at token: ExpressionToken) throws(ExpressionParseError) -> ExpressionNode {
        switch name {
        case "NULL": return .null
        case "AuthoritativeNull": return .authoritativeNull
        case "True": return .literal(.boolean(true))
        case "False": return .literal(.boolean(false))
        case "CaseSensitive", "CaseInsensitive": return .literal(.string(name))
        default: break
        }
        if Self.functions[name] != nil { throw error("expected '(' after \(name)", at: current) }
        if let keyword = Self.keywords.first(where: { $0.lowercased() == name.lowercased() }) {
            throw error("unknown name '\(name)'; did you mean '\(keyword)'?", at: token)
        }
        throw error("unknown name '\(name)'; attribute references are written [\(name)]", at: token)
    }

    private mutating func parseCall(_ name: String, at token: ExpressionToken) throws(ExpressionParseError)
        -> ExpressionNode
    {
        guard let function = Self.functions[name] else {
            if let match = ExpressionFunction.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) {
                throw error("unknown function '\(name)'; did you mean '\(match.rawValue)'?", at: token)
            }
            throw error("unknown function '\(name)'", at: token)
        }
        advance()  // (
        var arguments: [ExpressionNode] = []
        var argumentTokens: [ExpressionToken] = []
        if current.kind != .rightParenthesis {
            while true {
                argumentTokens.append(current)
                arguments.append(try parseOr())
                if current.kind == .comma {
                    advance()
                    continue
                }
                guard current.kind == .rightParenthesis else {
                    throw error("expected ')' after arguments of \(name)", at: current)
                }
                break
            }
        }
        advance()  // )
        guard arguments.count >= function.minimumArguments,
            arguments.count <= function.maximumArguments ?? Int.max
        else {
            throw error("\(name) \(function.arityDescription), found \(arguments.count)", at: token)
        }
        return try specialize(function, arguments, argumentTokens, at: token.location)
    }

    /// Checks constant arguments now rather than at every evaluation, and compiles constant formats.
    private func specialize(
        _ function: ExpressionFunction, _ arguments: [ExpressionNode], _ tokens: [ExpressionToken],
        at location: ExpressionLocation
    ) throws(ExpressionParseError) -> ExpressionNode {
        switch function {
        case .formatDateTime:
            typealias Format = ExpressionNode.DateTimeFormatArgument
            func format(_ index: Int, _ role: String) throws(ExpressionParseError) -> Format {
                guard case .literal(.string(let pattern)) = arguments[index] else { return .computed(arguments[index]) }
                if pattern.isEmpty { return .iso8601 }
                do {
                    return .compiled(try DateTimeFormat(pattern: pattern))
                } catch {
                    throw self.error("FormatDateTime: \(error.message) in the \(role)", at: tokens[index])
                }
            }
            let input = arguments.count == 3 ? try format(1, "input format") : .iso8601
            let output = try format(arguments.count - 1, "output format")
            return .formatDateTime(arguments[0], input: input, output: output, location)
        case .contains where arguments.count == 3:
            if case .literal(let value) = arguments[2], value != .string("CaseSensitive"),
                value != .string("CaseInsensitive")
            {
                throw error("Contains: the third argument must be CaseSensitive or CaseInsensitive", at: tokens[2])
            }
        case .split:
            if case .literal(.string("")) = arguments[1] {
                throw error("Split: the separator is empty", at: tokens[1])
            }
        default:
            break
        }
        return .call(function, arguments, location)
    }
}
