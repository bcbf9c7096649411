import ConnectorKit
import TandemEngine
import Testing

/// Whatever the source or the values, the language throws its own errors and never traps.
@Suite struct ExpressionRobustnessTests {
    static let sources =
        CompiledExpressionTests.everyFunction + [
            #"Trim([givenName] & " " & [surname])"#,
            #""uid=" & EscapeDNComponent(Lower([employeeId])) & ",ou=people,dc=example,dc=org""#,
            #"IIF([a] = "x" && Not([b] <> -1) || IsNullOrEmpty([c]), Split([d], ";", 2), Item([e], [f]))"#,
            #"FormatDateTime([d], "yyyy-MM-dd'T'HH:mm:ss.fffZ", "\\y'y'yyyy")"#,
            "\"日本\\\"語\" & [ü] & Contains([x], \"é\", CaseInsensitive)",
        ]

    /// Like a journal truncated at every offset: every prefix of a valid expression either
    /// compiles or fails with a parse error that points inside it.
    @Test(arguments: sources)
    func everyPrefixCompilesOrFailsWithAColumn(_ source: String) {
        let scalars = Array(source.unicodeScalars)
        #expect(throws: Never.self) { try CompiledExpression(parsing: source, rule: "r", attribute: "a") }
        for length in 0..<scalars.count {
            let prefix = String(String.UnicodeScalarView(scalars[..<length]))
            do {
                _ = try CompiledExpression(parsing: prefix, rule: "r", attribute: "a")
            } catch {
                #expect(error.line == 1)
                #expect((1...length + 1).contains(error.column), "\(prefix): \(error)")
            }
        }
    }

    @Test func randomValuesOnlyEverThrowEvaluationErrors() throws {
        var generator = Generator(seed: 0x7A4D_E3)
        let expressions = try Self.sources.map { try CompiledExpression(parsing: $0, rule: "r", attribute: "a") }
        let names = Set(expressions.flatMap(\.referencedAttributes)).sorted()
        var outcomes = 0
        for _ in 0..<400 {
            var attributes: Attributes = [:]
            for name in names {
                let values = (0..<Int.random(in: 0...3, using: &generator)).map { _ in
                    Self.randomValue(using: &generator)
                }
                if !values.isEmpty { attributes[name] = values }
            }
            for expression in expressions {
                let first = Result { () throws(ExpressionEvaluationError) in try expression.evaluate(attributes) }
                let second = Result { () throws(ExpressionEvaluationError) in try expression.evaluate(attributes) }
                #expect(first == second)
                outcomes += 1
            }
        }
        #expect(outcomes == 400 * expressions.count)
    }

    static let alphabet: [Unicode.Scalar] = [
        "a", "Z", "0", "9", " ", ",", ";", "=", "+", "#", "\\", "\"", "<", ">", "-", ".", ":", "T", "é", "ß", "İ", "Σ",
        "日", "\u{301}", "\u{0}", "\u{A0}", "\u{1F469}", "\u{200D}", "'", "y", "M", "d",
    ]

    static func randomValue(using generator: inout Generator) -> AttributeValue {
        switch Int.random(in: 0..<7, using: &generator) {
        case 0: return .integer(Int64.random(in: -20...20, using: &generator))
        case 1: return .boolean(Bool.random(using: &generator))
        case 2: return .date(microsecondsSince1970: Int64.random(in: -1 << 60...1 << 60, using: &generator))
        case 3:
            return .binary(
                (0..<Int.random(in: 0...20, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator)
                })
        case 4: return .reference(Anchor(randomText(using: &generator)))
        default: return .string(randomText(using: &generator))
        }
    }

    static func randomText(using generator: inout Generator) -> String {
        var text = ""
        for _ in 0..<Int.random(in: 0...12, using: &generator) {
            text.unicodeScalars.append(alphabet.randomElement(using: &generator)!)
        }
        return text
    }

    /// A small seeded generator, so a failure reproduces.
    struct Generator: RandomNumberGenerator {
        var state: UInt64

        init(seed: UInt64) { state = seed }

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
