/// An error raised by the engine: what failed, on what, and what to do.
///
/// Messages never contain attribute values (they may be personal data).
public struct EngineError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case configuration, inconsistentJournal, malformedEvent, connector, cancelled, notFound, invalidArgument
        }

        fileprivate let base: Base

        /// `tandem.yaml` is wrong; the message names the key path and line.
        public static let configuration = Code(base: .configuration)
        /// An event does not apply to the state the journal built so far (a bug or a damaged journal).
        public static let inconsistentJournal = Code(base: .inconsistentJournal)
        /// An event's bytes do not decode.
        public static let malformedEvent = Code(base: .malformedEvent)
        /// A connector failed in a way that stops the run.
        public static let connector = Code(base: .connector)
        public static let cancelled = Code(base: .cancelled)
        public static let notFound = Code(base: .notFound)
        public static let invalidArgument = Code(base: .invalidArgument)

        public var description: String { base.rawValue }
    }

    public var code: Code
    public var message: String
    /// The journal position involved, when known.
    public var seq: UInt64?

    public init(_ code: Code, _ message: String, seq: UInt64? = nil) {
        self.code = code
        self.message = message
        self.seq = seq
    }

    public var description: String {
        seq.map { "seq \($0): \(message)" } ?? message
    }
}
