import ConnectorKit

extension ExpressionEvaluator {
    /// Calls a function. The first argument is evaluated first; if it is `NULL` or
    /// `AuthoritativeNull`, most functions return it without evaluating the rest.
    static func call(
        _ function: ExpressionFunction, _ arguments: [ExpressionNode], _ location: ExpressionLocation,
        _ lookup: Lookup
    ) throws(Failure) -> ExpressionValue {
        let name = function.rawValue
        func argument(_ index: Int) throws(Failure) -> ExpressionValue { try evaluate(arguments[index], lookup) }
        func integer(_ index: Int, _ role: String) throws(Failure) -> Int? {
            try integerParameter(arguments[index], role, function, location, lookup)
        }
        func text(_ index: Int, _ role: String) throws(Failure) -> String? {
            try textParameter(arguments[index], role, function, location, lookup)
        }
        // Messages show a number only if the rule wrote it: a computed one may come from personal data.
        func shown(_ index: Int, _ number: Int) -> String {
            if case .literal = arguments[index] { return " \(number)" }
            return ""
        }
        switch function {
        case .trim: return try mapText(argument(0), function, location, ExpressionText.trimmed)
        case .lower: return try mapText(argument(0), function, location, ExpressionText.lowercased)
        case .upper: return try mapText(argument(0), function, location, ExpressionText.uppercased)
        case .pCase: return try mapText(argument(0), function, location, ExpressionText.properCased)
        case .left, .right:
            let value = try argument(0)
            guard value.count > 0, let count = try integer(1, "count") else { return value.count > 0 ? .null : value }
            guard count >= 0 else { throw Failure(name, location, "the count\(shown(1, count)) is negative") }
            return try mapText(value, function, location) {
                function == .left ? ExpressionText.prefix($0, count) : ExpressionText.suffix($0, count)
            }
        case .mid:
            let value = try argument(0)
            guard value.count > 0 else { return value }
            guard let start = try integer(1, "start"), let count = try integer(2, "count") else { return .null }
            guard start >= 1 else {
                throw Failure(name, location, "the start\(shown(1, start)) is before the first character")
            }
            guard count >= 0 else { throw Failure(name, location, "the count\(shown(2, count)) is negative") }
            return try mapText(value, function, location) { ExpressionText.substring($0, start: start, count: count) }
        case .len:
            return try map(argument(0)) { (value) throws(Failure) in
                .integer(Int64(ExpressionText.scalarCount(try self.text(value, name, location))))
            }
        case .replace:
            let value = try argument(0)
            guard value.count > 0 else { return value }
            guard let old = try text(1, "text to replace"), let new = try text(2, "replacement") else { return .null }
            return try mapText(value, function, location) { ExpressionText.replacing(old, with: new, in: $0) }
        case .join:
            return try join(arguments, location, lookup)
        case .split:
            let value = try argument(0)
            guard value.count > 0, let separator = try text(1, "separator") else {
                return value.count > 0 ? .null : value
            }
            guard !separator.isEmpty else { throw Failure(name, location, "the separator is empty") }
            var limit = Int.max
            if arguments.count == 3 {
                guard let given = try integer(2, "limit") else { return .null }
                guard given >= 1 else { throw Failure(name, location, "the limit\(shown(2, given)) is below 1") }
                limit = given
            }
            var pieces: [AttributeValue] = []
            for value in value.values {
                let text = try self.text(value, name, location)
                pieces += ExpressionText.split(text, separator: separator, limit: limit).map(AttributeValue.string)
            }
            return ExpressionValue(pieces)
        case .item:
            let value = try argument(0)
            guard value.count > 0, let index = try integer(1, "index") else { return value.count > 0 ? .null : value }
            guard index >= 1, index <= value.count else {
                let count = value.count == 1 ? "1 value" : "\(value.count) values"
                throw Failure(name, location, "the index\(shown(1, index)) is out of range for \(count)")
            }
            if case .single(let single) = value { return .single(single) }
            return .single(value.values[index - 1])
        case .count:
            return .single(.integer(Int64(try argument(0).count)))
        case .iif:
            return try truth(try argument(0), name, location) ? try argument(1) : try argument(2)
        case .isPresent:
            return .single(.boolean(try argument(0).isPresent))
        case .isNullOrEmpty:
            return .single(.boolean(!(try argument(0).isPresent)))
        case .not:
            return .single(.boolean(!(try truth(try argument(0), name, location))))
        case .coalesce:
            for index in arguments.indices {
                let value = try argument(index)
                if case .authoritativeNull = value { return value }
                if value.isPresent { return value }
            }
            return .null
        case .cStr: return try mapText(argument(0), function, location) { $0 }
        case .cNum: return try map(argument(0)) { (value) throws(Failure) in try number(value, location) }
        case .cBool:
            return try map(argument(0)) { (value) throws(Failure) in .boolean(try boolean(value, name, location)) }
        case .formatDateTime:
            preconditionFailure("the parser compiles FormatDateTime to its own node")
        case .dnComponent, .dnComponentRev:
            let value = try argument(0)
            guard value.count > 0, let n = try integer(1, "component number") else {
                return value.count > 0 ? .null : value
            }
            guard n >= 1 else { throw Failure(name, location, "the component number\(shown(1, n)) is below 1") }
            return try compactMap(value) { (value) throws(Failure) in
                let dn = try self.text(value, name, location)
                guard let components = DistinguishedNameText.rdnValues(dn) else {
                    throw Failure(name, location, "a value of kind \(value.kind) is not a distinguished name")
                }
                guard n <= components.count else { return nil }
                return .string(components[function == .dnComponent ? n - 1 : components.count - n])
            }
        case .escapeDNComponent:
            return try mapText(argument(0), function, location, DistinguishedNameText.escaped)
        case .convertToBase64:
            return try map(argument(0)) { (value) throws(Failure) in
                if case .binary(let bytes) = value { return .string(BinaryText.base64(bytes)) }
                return .string(BinaryText.base64(try self.text(value, name, location).utf8))
            }
        case .removeDuplicates:
            let value = try argument(0)
            guard case .multiple(let values) = value else { return value }
            var seen = Set<AttributeValue>()
            return ExpressionValue(values.filter { seen.insert($0).inserted })
        case .contains:
            return try contains(arguments, location, lookup)
        case .stringFromGuid:
            return try map(argument(0)) { (value) throws(Failure) in
                guard case .binary(let bytes) = value else {
                    throw Failure(name, location, "a value of kind \(value.kind) is not a binary GUID")
                }
                guard bytes.count == 16 else {
                    throw Failure(name, location, "a value of kind binary that is not 16 bytes long is not a GUID")
                }
                return .string(BinaryText.guid(bytes))
            }
        }
    }

    /// `Join(separator, value, …)`.
    private static func join(
        _ arguments: [ExpressionNode], _ location: ExpressionLocation, _ lookup: Lookup
    ) throws(Failure) -> ExpressionValue {
        guard let separator = try textParameter(arguments[0], "separator", .join, location, lookup) else {
            return .null
        }
        var result = ""
        var joined = false
        for argument in arguments.dropFirst() {
            for value in try evaluate(argument, lookup).values {
                let text = try self.text(value, "Join", location)
                guard !text.isEmpty else { continue }
                if joined { result += separator }
                result += text
                joined = true
            }
        }
        return joined ? .single(.string(result)) : .null
    }

    /// `Contains(values, search[, CaseSensitive|CaseInsensitive])`: a 1-based index, 0 if not found.
    private static func contains(
        _ arguments: [ExpressionNode], _ location: ExpressionLocation, _ lookup: Lookup
    ) throws(Failure) -> ExpressionValue {
        let haystack = try evaluate(arguments[0], lookup)
        guard haystack.count > 0, var search = try textParameter(arguments[1], "search", .contains, location, lookup)
        else { return .single(.integer(0)) }
        var caseSensitive = true
        if arguments.count == 3 {
            switch try scalar(arguments[2], "case type", .contains, location, lookup) {
            case .string("CaseSensitive")?: caseSensitive = true
            case .string("CaseInsensitive")?: caseSensitive = false
            default: throw Failure("Contains", location, "the case type must be CaseSensitive or CaseInsensitive")
            }
        }
        if !caseSensitive { search = ExpressionText.lowercased(search) }
        for (index, value) in haystack.values.enumerated() {
            var text: String
            if case .string(let string) = value { text = string } else { text = value.text }
            if !caseSensitive { text = ExpressionText.lowercased(text) }
            let found = value.kind == .string ? ExpressionText.contains(text, search) : text == search
            if found { return .single(.integer(Int64(index + 1))) }
        }
        return .single(.integer(0))
    }
}
