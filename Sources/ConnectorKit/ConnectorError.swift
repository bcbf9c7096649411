/// An error a connector reports. The ``code`` decides what the engine does next: retry,
/// stop the run, or record a per-object failure and carry on.
public struct ConnectorError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case transient, authentication, schema, notFound, conflict, invalidConfiguration, unsupported,
                constraint, protocolViolation, cancelled, other
        }

        fileprivate let base: Base

        /// The system is busy, unreachable or timed out: retried with backoff.
        public static let transient = Code(base: .transient)
        /// Credentials were refused: the run stops.
        public static let authentication = Code(base: .authentication)
        /// The object does not fit the system's schema (object class, attribute syntax): per object.
        public static let schema = Code(base: .schema)
        /// The object does not exist in the system (any more): per object.
        public static let notFound = Code(base: .notFound)
        /// The object conflicts with another (a duplicate unique value, a stale version): per object.
        public static let conflict = Code(base: .conflict)
        /// The connector's configuration is wrong: the run stops.
        public static let invalidConfiguration = Code(base: .invalidConfiguration)
        /// The system cannot do what was asked: the run stops.
        public static let unsupported = Code(base: .unsupported)
        /// A constraint of the system was violated: per object.
        public static let constraint = Code(base: .constraint)
        /// The system (or a plug-in) answered something that breaks its protocol: the run stops.
        public static let protocolViolation = Code(base: .protocolViolation)
        /// The operation was cancelled.
        public static let cancelled = Code(base: .cancelled)
        public static let other = Code(base: .other)

        /// Parses a code's name (as plug-ins send it); `nil` if unknown.
        public init?(name: String) {
            guard let base = Base(rawValue: name) else { return nil }
            self.base = base
        }

        fileprivate init(base: Base) { self.base = base }

        public var name: String { base.rawValue }
        public var description: String { base.rawValue }

        /// Whether the same request may succeed if retried later.
        public var isRetryable: Bool { base == .transient }
        /// Whether the error concerns one object only, so the rest of a batch or run goes on.
        public var isPerObject: Bool { [.schema, .notFound, .conflict, .constraint].contains(base) }
    }

    public var code: Code
    /// What failed and why, never containing attribute values or credentials.
    public var message: String
    /// The object concerned, when the error is about one object.
    public var anchor: Anchor?
    /// The system's own error code or text, if it is safe to show.
    public var systemCode: String?

    public init(_ code: Code, _ message: String, anchor: Anchor? = nil, systemCode: String? = nil) {
        self.code = code
        self.message = message
        self.anchor = anchor
        self.systemCode = systemCode
    }

    public var description: String {
        var text = "\(code): \(message)"
        if let anchor { text += " (object \(anchor))" }
        if let systemCode { text += " [\(systemCode)]" }
        return text
    }
}
