/// Splits an expression's source into tokens.
///
/// Runs once per rule when the configuration loads, so it favours clear messages over speed.
struct ExpressionLexer {
    private let scalars: [Unicode.Scalar]
    private let rule: String
    private let attribute: String
    private var index = 0
    private var line = 1
    private var lineStart = 0

    init(source: String, rule: String, attribute: String) {
        self.scalars = Array(source.unicodeScalars)
        self.rule = rule
        self.attribute = attribute
    }

    /// All tokens, ending with `.end`.
    mutating func tokens() throws(ExpressionParseError) -> [ExpressionToken] {
        var tokens: [ExpressionToken] = []
        while true {
            let token = try next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private var location: ExpressionLocation { ExpressionLocation(line: line, column: index - lineStart + 1) }

    private func error(_ message: String, at location: ExpressionLocation) -> ExpressionParseError {
        ExpressionParseError(rule: rule, attribute: attribute, location: location, message: message)
    }

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    private mutating func advance() {
        if scalars[index] == "\n" {
            line += 1
            lineStart = index + 1
        }
        index += 1
    }

    private mutating func next() throws(ExpressionParseError) -> ExpressionToken {
        while let scalar = peek(), scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" { advance() }
        let start = location
        guard let scalar = peek() else { return ExpressionToken(kind: .end, location: start) }
        func token(_ kind: ExpressionToken.Kind, length: Int = 1) -> ExpressionToken {
            for _ in 0..<length { advance() }
            return ExpressionToken(kind: kind, location: start)
        }
        switch scalar {
        case "(": return token(.leftParenthesis)
        case ")": return token(.rightParenthesis)
        case ",": return token(.comma)
        case "-": return token(.minus)
        case "&": return peek(1) == "&" ? token(.and, length: 2) : token(.ampersand)
        case "|":
            guard peek(1) == "|" else { throw error("unexpected character '|'; did you mean '||'?", at: start) }
            return token(.or, length: 2)
        case "=": return token(.comparison(.equal))
        case "<":
            if peek(1) == ">" { return token(.comparison(.notEqual), length: 2) }
            if peek(1) == "=" { return token(.comparison(.lessOrEqual), length: 2) }
            return token(.comparison(.less))
        case ">": return peek(1) == "=" ? token(.comparison(.greaterOrEqual), length: 2) : token(.comparison(.greater))
        case "\"": return ExpressionToken(kind: .string(try string()), location: start)
        case "[": return ExpressionToken(kind: .attribute(try attributeName()), location: start)
        case "0"..."9": return ExpressionToken(kind: .integer(try integer()), location: start)
        case "a"..."z", "A"..."Z", "_":
            var name = ""
            while let scalar = peek(), scalar.isIdentifierPart {
                name.unicodeScalars.append(scalar)
                advance()
            }
            return ExpressionToken(kind: .identifier(name), location: start)
        case "!":
            throw error("unexpected character '!'; write '<>' for not equal and Not(…) for negation", at: start)
        case "'", "\u{2018}", "\u{2019}":
            throw error("unexpected character '\(scalar)'; strings are written in double quotes", at: start)
        case "\u{201C}", "\u{201D}", "\u{201E}":
            throw error("unexpected character '\(scalar)'; strings are written in straight double quotes", at: start)
        default:
            throw error("unexpected character '\(scalar.escaped(asASCII: true))'", at: start)
        }
    }

    /// A `"…"` literal; `\"`, `\\`, `\n`, `\r` and `\t` are the only escapes.
    private mutating func string() throws(ExpressionParseError) -> String {
        let start = location
        advance()
        var text = ""
        while let scalar = peek() {
            switch scalar {
            case "\"":
                advance()
                return text
            case "\\":
                let escapeStart = location
                advance()
                switch peek() {
                case "\"": text += "\""
                case "\\": text += "\\"
                case "n": text += "\n"
                case "r": text += "\r"
                case "t": text += "\t"
                case nil: throw error("unterminated string literal", at: start)
                case let other?:
                    throw error(
                        "unknown escape sequence '\\\(other.escaped(asASCII: true))' in a string; write '\\\\' for a backslash",
                        at: escapeStart)
                }
                advance()
            default:
                text.unicodeScalars.append(scalar)
                advance()
            }
        }
        throw error("unterminated string literal", at: start)
    }

    /// A `[name]` reference; the name is trimmed of spaces and may hold anything but `]` and line breaks.
    private mutating func attributeName() throws(ExpressionParseError) -> String {
        let start = location
        advance()
        var name = ""
        while let scalar = peek(), scalar != "]", scalar != "\n" {
            name.unicodeScalars.append(scalar)
            advance()
        }
        guard peek() == "]" else { throw error("unterminated attribute reference; expected ']'", at: start) }
        advance()
        let trimmed = ExpressionText.trimmed(name)
        guard !trimmed.isEmpty else { throw error("empty attribute reference", at: start) }
        return trimmed
    }

    private mutating func integer() throws(ExpressionParseError) -> Int64 {
        let start = location
        var value: Int64 = 0
        while let scalar = peek(), ("0"..."9").contains(scalar) {
            let (multiplied, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (added, overflow2) = multiplied.addingReportingOverflow(Int64(scalar.value - 48))
            guard !overflow1, !overflow2 else { throw error("number is too large", at: start) }
            value = added
            advance()
        }
        return value
    }
}

extension Unicode.Scalar {
    fileprivate var isIdentifierPart: Bool {
        ("a"..."z").contains(self) || ("A"..."Z").contains(self) || ("0"..."9").contains(self) || self == "_"
    }
}
