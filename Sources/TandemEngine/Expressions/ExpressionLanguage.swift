/// The sync rules' expression language: the entry points the engine and the CLI wire up.
///
/// A rule's flows and DN are compiled once, when the configuration loads, into
/// ``CompiledExpression``s; sync then evaluates them for every object. See ``CompiledExpression``
/// for the syntax and `ExpressionFunction` for the functions.
package enum ExpressionLanguage {
    /// The compiler `CompiledRules` takes: parses each flow and DN expression of the configuration,
    /// throwing ``ExpressionParseError`` for the first that does not compile.
    package static let flowCompiler: FlowCompiler = { source, rule, attribute in
        try CompiledExpression(parsing: source, rule: rule, attribute: attribute)
    }

    /// The names of the functions, as written in rules, in alphabetical order.
    package static var functionNames: [String] { ExpressionFunction.allCases.map(\.rawValue).sorted() }
}
