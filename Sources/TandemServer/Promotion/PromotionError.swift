/// An error of promotion, fencing or an epoch authority: what failed, and what to do.
///
/// The ``code`` wraps a private enum so that new codes do not break anyone's `switch`.
/// Messages never contain credentials.
public struct PromotionError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case authorityUnavailable
            case refused
            case confirmationRequired
            case behind
            case invalidConfiguration
            case superseded
        }

        fileprivate let base: Base

        /// The epoch authority could not be reached or failed.
        public static let authorityUnavailable = Code(base: .authorityUnavailable)
        /// The authority refused the epoch or lease.
        public static let refused = Code(base: .refused)
        /// A forced promotion without an authority needs the operator's confirmation that the old active is stopped.
        public static let confirmationRequired = Code(base: .confirmationRequired)
        /// This server's journal has not reached the authority's current epoch.
        public static let behind = Code(base: .behind)
        /// A setting of the authority is missing or wrong.
        public static let invalidConfiguration = Code(base: .invalidConfiguration)
        /// A newer epoch superseded this server: it must not export and should rejoin as staging.
        public static let superseded = Code(base: .superseded)

        public var description: String { base.rawValue }
    }

    public var code: Code
    /// A sentence a person can act on.
    public var message: String
    /// The underlying error, if any (never with credentials).
    public var cause: String?

    public init(_ code: Code, _ message: String, cause: String? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String { cause.map { "\(message) (\($0))" } ?? message }
}
