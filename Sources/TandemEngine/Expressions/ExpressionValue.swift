import ConnectorKit

/// An intermediate result during evaluation. A single value is kept apart from a list so the
/// common case allocates no array.
enum ExpressionValue {
    case null
    case authoritativeNull
    case single(AttributeValue)
    /// Two or more values.
    case multiple([AttributeValue])

    init(_ values: [AttributeValue]) {
        switch values.count {
        case 0: self = .null
        case 1: self = .single(values[0])
        default: self = .multiple(values)
        }
    }

    /// The values; empty for either null.
    var values: [AttributeValue] {
        switch self {
        case .null, .authoritativeNull: []
        case .single(let value): [value]
        case .multiple(let values): values
        }
    }

    var count: Int {
        switch self {
        case .null, .authoritativeNull: 0
        case .single: 1
        case .multiple(let values): values.count
        }
    }

    /// `IsPresent`: some value is not an empty string.
    var isPresent: Bool {
        switch self {
        case .null, .authoritativeNull: false
        case .single(let value): !value.isEmptyString
        case .multiple(let values): values.contains { !$0.isEmptyString }
        }
    }

    /// The public form: empty strings dropped, nothing left becomes `null`.
    var result: ExpressionResult {
        switch self {
        case .null: .null
        case .authoritativeNull: .authoritativeNull
        case .single(let value): value.isEmptyString ? .null : .values([value])
        case .multiple(let values): Self.result(values)
        }
    }

    /// The public form of a list of values, reusing the array when it needs no change.
    static func result(_ values: [AttributeValue]) -> ExpressionResult {
        guard values.contains(where: \.isEmptyString) else { return values.isEmpty ? .null : .values(values) }
        let kept = values.filter { !$0.isEmptyString }
        return kept.isEmpty ? .null : .values(kept)
    }
}

extension AttributeValue {
    var isEmptyString: Bool {
        if case .string(let text) = self { return text.isEmpty }
        return false
    }
}
