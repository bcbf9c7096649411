import ConnectorKit

/// How sync (`Sync/CompiledRules.swift`) evaluates attribute flows.
extension CompiledExpression: FlowExpression {
    package func evaluateFlow(_ source: (String) -> [AttributeValue]) throws -> FlowResult {
        switch try evaluate(source) {
        case .values(let values): .values(values)
        case .null: .null
        case .authoritativeNull: .authoritativeNull
        }
    }

    package var directSource: String? {
        if case .attribute(let name) = root { return name }
        return nil
    }
}
