import ConnectorKit

/// Walks a compiled ``ExpressionNode`` against one object's attributes.
///
/// Pure and deterministic: the result depends only on the tree and the values `lookup` returns.
/// Errors carry the function and location; ``CompiledExpression`` adds the rule and attribute.
enum ExpressionEvaluator {
    typealias Lookup = (String) -> [AttributeValue]
    typealias Failure = ExpressionEvaluationError

    static func evaluate(_ node: ExpressionNode, _ lookup: Lookup) throws(Failure) -> ExpressionValue {
        switch node {
        case .literal(let value):
            return .single(value)
        case .null:
            return .null
        case .authoritativeNull:
            return .authoritativeNull
        case .attribute(let name):
            return ExpressionValue(lookup(name))
        case .concatenation(let parts, let location):
            return try concatenate(parts, location, lookup)
        case .comparison(let comparison, let left, let right, let location):
            let result = try compare(
                comparison, try evaluate(left, lookup), try evaluate(right, lookup), location)
            return .single(.boolean(result))
        case .and(let left, let right, let location):
            guard try truth(try evaluate(left, lookup), "&&", location) else { return .single(.boolean(false)) }
            return .single(.boolean(try truth(try evaluate(right, lookup), "&&", location)))
        case .or(let left, let right, let location):
            if try truth(try evaluate(left, lookup), "||", location) { return .single(.boolean(true)) }
            return .single(.boolean(try truth(try evaluate(right, lookup), "||", location)))
        case .call(let function, let arguments, let location):
            return try call(function, arguments, location, lookup)
        case .formatDateTime(let value, let input, let output, let location):
            return try formatDateTime(value, input, output, location, lookup)
        }
    }

    /// `a & b & …`: `NULL` parts count as empty text (`NULL` only if every part is); one
    /// multi-valued part is concatenated value by value with the rest; `AuthoritativeNull` wins.
    private static func concatenate(
        _ parts: [ExpressionNode], _ location: ExpressionLocation, _ lookup: Lookup
    ) throws(Failure) -> ExpressionValue {
        var text = ""
        var texts: [String]? = nil
        var sawValue = false
        for part in parts {
            switch try evaluate(part, lookup) {
            case .authoritativeNull:
                return .authoritativeNull
            case .null:
                continue
            case .single(let value):
                sawValue = true
                let piece = try self.text(value, "&", location)
                if texts == nil {
                    text += piece
                } else {
                    for index in texts!.indices { texts![index] += piece }
                }
            case .multiple(let values):
                sawValue = true
                guard texts == nil else {
                    throw Failure("&", location, "more than one operand has several values")
                }
                var expanded: [String] = []
                expanded.reserveCapacity(values.count)
                for value in values { expanded.append(text + (try self.text(value, "&", location))) }
                texts = expanded
            }
        }
        guard sawValue else { return .null }
        guard let texts else { return .single(.string(text)) }
        return .multiple(texts.map(AttributeValue.string))
    }

    // MARK: Arguments

    /// The argument's value as text, for functions that work on text.
    static func text(_ value: AttributeValue, _ function: String, _ location: ExpressionLocation) throws(Failure)
        -> String
    {
        switch value {
        case .string(let text): return text
        case .binary:
            throw Failure(
                function, location, "a value of kind binary is not text; use ConvertToBase64 or StringFromGuid")
        default: return value.text
        }
    }

    /// A parameter that must have one value (a count, a separator); `nil` if it is `NULL`.
    static func scalar(
        _ node: ExpressionNode, _ role: String, _ function: ExpressionFunction, _ location: ExpressionLocation,
        _ lookup: Lookup
    ) throws(Failure) -> AttributeValue? {
        switch try evaluate(node, lookup) {
        case .null, .authoritativeNull: return nil
        case .single(let value): return value
        case .multiple(let values):
            throw Failure(function.rawValue, location, "the \(role) has \(values.count) values; expected one")
        }
    }

    static func textParameter(
        _ node: ExpressionNode, _ role: String, _ function: ExpressionFunction, _ location: ExpressionLocation,
        _ lookup: Lookup
    ) throws(Failure) -> String? {
        guard let value = try scalar(node, role, function, location, lookup) else { return nil }
        return try text(value, function.rawValue, location)
    }

    static func integerParameter(
        _ node: ExpressionNode, _ role: String, _ function: ExpressionFunction, _ location: ExpressionLocation,
        _ lookup: Lookup
    ) throws(Failure) -> Int? {
        guard let value = try scalar(node, role, function, location, lookup) else { return nil }
        switch value {
        case .integer(let number) where Int(exactly: number) != nil: return Int(number)
        case .string(let text) where Int(text) != nil: return Int(text)!
        default:
            throw Failure(
                function.rawValue, location, "the \(role) is a value of kind \(value.kind), not a whole number")
        }
    }

    // MARK: Mapping

    /// Applies `transform` to each value; both nulls pass through.
    static func map(
        _ value: ExpressionValue, _ transform: (AttributeValue) throws(Failure) -> AttributeValue
    ) throws(Failure) -> ExpressionValue {
        switch value {
        case .null, .authoritativeNull: return value
        case .single(let single): return .single(try transform(single))
        case .multiple(let values):
            var mapped: [AttributeValue] = []
            mapped.reserveCapacity(values.count)
            for value in values { mapped.append(try transform(value)) }
            return .multiple(mapped)
        }
    }

    /// Applies a text transform to each value.
    static func mapText(
        _ value: ExpressionValue, _ function: ExpressionFunction, _ location: ExpressionLocation,
        _ transform: (String) throws(Failure) -> String
    ) throws(Failure) -> ExpressionValue {
        try map(value) { (value) throws(Failure) in
            .string(try transform(try text(value, function.rawValue, location)))
        }
    }

    /// Like `map`, dropping values `transform` has no result for.
    static func compactMap(
        _ value: ExpressionValue, _ transform: (AttributeValue) throws(Failure) -> AttributeValue?
    ) throws(Failure) -> ExpressionValue {
        switch value {
        case .null, .authoritativeNull: return value
        case .single(let single): return try transform(single).map(ExpressionValue.single) ?? .null
        case .multiple(let values):
            var mapped: [AttributeValue] = []
            for value in values {
                if let result = try transform(value) { mapped.append(result) }
            }
            return ExpressionValue(mapped)
        }
    }
}
