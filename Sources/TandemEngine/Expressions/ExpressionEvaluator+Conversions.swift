import ConnectorKit

extension ExpressionEvaluator {
    /// A condition (`IIF`, `Not`, `&&`, `||`): `NULL` is false; otherwise as `CBool`.
    static func truth(_ value: ExpressionValue, _ function: String, _ location: ExpressionLocation) throws(Failure)
        -> Bool
    {
        switch value {
        case .null, .authoritativeNull: return false
        case .single(let single): return try boolean(single, function, location)
        case .multiple(let values):
            throw Failure(function, location, "the condition has \(values.count) values; expected one")
        }
    }

    /// `CBool` of one value: booleans, integers (non-zero is true), `"true"`/`"false"`, whole-number text.
    static func boolean(_ value: AttributeValue, _ function: String, _ location: ExpressionLocation) throws(Failure)
        -> Bool
    {
        switch value {
        case .boolean(let boolean): return boolean
        case .integer(let number): return number != 0
        case .string(let text):
            if let boolean = ExpressionText.boolean(text) { return boolean }
            if let number = Int64(text) { return number != 0 }
            throw Failure(function, location, "a value of kind string is not true, false or a number")
        default:
            throw Failure(function, location, "a value of kind \(value.kind) is not a boolean")
        }
    }

    /// `CNum` of one value.
    static func number(_ value: AttributeValue, _ location: ExpressionLocation) throws(Failure) -> AttributeValue {
        switch value {
        case .integer: return value
        case .string(let text):
            guard let number = Int64(text) else {
                throw Failure("CNum", location, "a value of kind string is not a whole number")
            }
            return .integer(number)
        default:
            throw Failure("CNum", location, "a value of kind \(value.kind) is not a whole number")
        }
    }

    // MARK: Comparison

    /// `a = b` etc. on single values. `NULL` equals only `NULL` and is neither less nor greater
    /// than anything. Integers compare numerically (also with whole-number text), dates by time
    /// (also with ISO 8601 text), booleans false before true; anything else by the UTF-8 bytes of
    /// its text, case-sensitively.
    static func compare(
        _ comparison: ExpressionNode.ComparisonOperator, _ left: ExpressionValue, _ right: ExpressionValue,
        _ location: ExpressionLocation
    ) throws(Failure) -> Bool {
        func single(_ value: ExpressionValue, _ side: String) throws(Failure) -> AttributeValue? {
            switch value {
            case .null, .authoritativeNull: return nil
            case .single(let single): return single
            case .multiple(let values):
                throw Failure(
                    comparison.rawValue, location, "the \(side) operand has \(values.count) values; expected one")
            }
        }
        let lhs = try single(left, "left")
        let rhs = try single(right, "right")
        guard let lhs, let rhs else {
            switch comparison {
            case .equal: return lhs == nil && rhs == nil
            case .notEqual: return !(lhs == nil && rhs == nil)
            default: return false
            }
        }
        let order = self.order(lhs, rhs)
        switch comparison {
        case .equal: return order == 0
        case .notEqual: return order != 0
        case .less: return order < 0
        case .lessOrEqual: return order <= 0
        case .greater: return order > 0
        case .greaterOrEqual: return order >= 0
        }
    }

    private static func order(_ lhs: AttributeValue, _ rhs: AttributeValue) -> Int {
        func sign<T: Comparable>(_ a: T, _ b: T) -> Int { a < b ? -1 : a == b ? 0 : 1 }
        switch (lhs, rhs) {
        case (.integer(let a), .integer(let b)): return sign(a, b)
        case (.integer(let a), .string(let b)) where Int64(b) != nil: return sign(a, Int64(b)!)
        case (.string(let a), .integer(let b)) where Int64(a) != nil: return sign(Int64(a)!, b)
        case (.date(let a), .date(let b)): return sign(a, b)
        case (.date(let a), .string(let b)) where ISO8601.parse(b) != nil: return sign(a, ISO8601.parse(b)!)
        case (.string(let a), .date(let b)) where ISO8601.parse(a) != nil: return sign(ISO8601.parse(a)!, b)
        case (.boolean(let a), .boolean(let b)): return sign(a ? 1 : 0, b ? 1 : 0)
        case (.boolean(let a), .string(let b)) where ExpressionText.boolean(b) != nil:
            return sign(a ? 1 : 0, ExpressionText.boolean(b)! ? 1 : 0)
        case (.string(let a), .boolean(let b)) where ExpressionText.boolean(a) != nil:
            return sign(ExpressionText.boolean(a)! ? 1 : 0, b ? 1 : 0)
        default:
            let a = lhs.text
            let b = rhs.text
            if a == b { return 0 }
            return a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : 1
        }
    }

    // MARK: Dates

    /// `FormatDateTime(value, [inputFormat,] outputFormat)`: dates are taken as they are; text is
    /// read with the input format (ISO 8601 if it is empty or not given).
    static func formatDateTime(
        _ node: ExpressionNode, _ input: ExpressionNode.DateTimeFormatArgument,
        _ output: ExpressionNode.DateTimeFormatArgument, _ location: ExpressionLocation, _ lookup: Lookup
    ) throws(Failure) -> ExpressionValue {
        let value = try evaluate(node, lookup)
        guard value.count > 0 else { return value }
        /// A constant or ISO 8601 format as it is, a computed one compiled; `nil` if it is `NULL`.
        func resolve(_ argument: ExpressionNode.DateTimeFormatArgument, _ role: String) throws(Failure)
            -> ExpressionNode.DateTimeFormatArgument?
        {
            guard case .computed(let node) = argument else { return argument }
            guard let pattern = try textParameter(node, role, .formatDateTime, location, lookup) else { return nil }
            if pattern.isEmpty { return .iso8601 }
            do {
                return .compiled(try DateTimeFormat(pattern: pattern))
            } catch {
                // The pattern came from an attribute: say what is wrong, not what it holds.
                throw Failure("FormatDateTime", location, "a value of kind string is not a valid \(role)")
            }
        }
        guard let input = try resolve(input, "input format"), let output = try resolve(output, "output format") else {
            return .null
        }
        return try map(value) { (value) throws(Failure) in
            let microseconds: Int64
            switch value {
            case .date(let date):
                microseconds = date
            case .string(let text):
                let parsed = if case .compiled(let format) = input { format.parse(text) } else { ISO8601.parse(text) }
                guard let parsed else {
                    throw Failure("FormatDateTime", location, "a value of kind string does not match the input format")
                }
                microseconds = parsed
            default:
                throw Failure("FormatDateTime", location, "a value of kind \(value.kind) is not a date")
            }
            guard case .compiled(let format) = output else {
                return .string(ISO8601.format(microseconds: microseconds))
            }
            guard let text = format.format(microseconds: microseconds) else {
                throw Failure("FormatDateTime", location, "the date is outside the years 0000 to 9999")
            }
            return .string(text)
        }
    }
}
