/// An error raised by the server: what failed and why, in words an operator can act on.
///
/// The ``code`` wraps a private enum so that new codes can be added without breaking anyone's
/// `switch`. Messages never contain the bearer token or attribute values.
public struct ServerError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case configuration
            case wrongRole
            case primaryUnreachable
            case primaryRefused
            case mismatchedJournal
            case rejectedFrame
            case rejectedCheckpoint
            case busy
            case stopped
        }

        fileprivate let base: Base

        /// The configuration or the command line is incomplete or wrong.
        public static let configuration = Code(base: .configuration)
        /// The operation needs the other role (a cycle on a staging server, shipping without a primary).
        public static let wrongRole = Code(base: .wrongRole)
        /// The primary did not answer.
        public static let primaryUnreachable = Code(base: .primaryUnreachable)
        /// The primary answered with an error (a refused token, an unknown seq).
        public static let primaryRefused = Code(base: .primaryRefused)
        /// The primary's journal is another deployment's (its UUID differs from ours).
        public static let mismatchedJournal = Code(base: .mismatchedJournal)
        /// A shipped frame failed its checksum or did not continue our journal; it is fetched again.
        public static let rejectedFrame = Code(base: .rejectedFrame)
        /// A shipped checkpoint failed its checksum or its state digest; it is fetched again.
        public static let rejectedCheckpoint = Code(base: .rejectedCheckpoint)
        /// Too many requests are already queued.
        public static let busy = Code(base: .busy)
        /// The server is stopping or changing role.
        public static let stopped = Code(base: .stopped)

        public var description: String { base.rawValue }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
