import ConnectorKit

/// Which objects a rule applies to: an OR of AND groups of conditions. An empty filter matches
/// every object.
public struct ScopingFilter: Hashable, Sendable {
    public enum Operator: String, Hashable, Sendable, CaseIterable {
        case equal, notEqual, startsWith, endsWith, contains, present, absent, `in`, memberOf
    }

    public struct Condition: Hashable, Sendable {
        public var attribute: String
        public var op: Operator
        /// The value compared with (for `in`, any of `values`); unused by present/absent.
        public var values: [String]

        public init(attribute: String, op: Operator, values: [String] = []) {
            self.attribute = attribute
            self.op = op
            self.values = values
        }
    }

    /// OR of AND groups.
    public var groups: [[Condition]]

    public init(groups: [[Condition]] = []) { self.groups = groups }

    /// Whether an object with these attribute values is in scope. Comparisons are on the
    /// values' text and case-insensitive for ASCII letters, as directories compare names.
    /// `memberOf` matches if any reference value's anchor (or text) equals the given value.
    public func matches(_ values: (String) -> [AttributeValue]) -> Bool {
        guard !groups.isEmpty else { return true }
        return groups.contains { group in group.allSatisfy { Self.holds($0, values($0.attribute)) } }
    }

    static func holds(_ condition: Condition, _ values: [AttributeValue]) -> Bool {
        let texts = values.map { $0.text.asciiLowercased() }
        let wanted = condition.values.map { $0.asciiLowercased() }
        let first = wanted.first ?? ""
        switch condition.op {
        case .present: return !values.isEmpty
        case .absent: return values.isEmpty
        case .equal: return texts.contains(first)
        case .notEqual: return !texts.contains(first)
        case .startsWith: return texts.contains { $0.hasPrefix(first) }
        case .endsWith: return texts.contains { $0.hasSuffix(first) }
        case .contains: return texts.contains { $0.contains(first) }
        case .in: return texts.contains { wanted.contains($0) }
        case .memberOf: return texts.contains { wanted.contains($0) }
        }
    }
}

extension String {
    /// Lowercases ASCII letters only: deterministic, locale-free.
    func asciiLowercased() -> String {
        guard utf8.contains(where: { $0 >= 65 && $0 <= 90 }) else { return self }
        return String(decoding: utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
    }
}
