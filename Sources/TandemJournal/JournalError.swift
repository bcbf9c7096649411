/// An error raised by the journal: what failed, where, and why.
///
/// The ``code`` wraps a private enum so that new codes can be added without breaking
/// anyone's `switch`. Messages never contain event payloads.
public struct JournalError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case io
            case diskFull
            case syncFailed
            case writerStopped
            case writerClosed
            case locked
            case corruption
            case tornTail
            case unsupportedVersion
            case invalidArgument
            case notFound
            case limitExceeded
            case mismatchedJournal
            case rejectedFrame
        }

        fileprivate let base: Base

        /// A read or write system call failed.
        public static let io = Code(base: .io)
        /// The file system is full; the writer has stopped.
        public static let diskFull = Code(base: .diskFull)
        /// `fdatasync`/`fsync` failed; the writer has stopped and will not retry.
        public static let syncFailed = Code(base: .syncFailed)
        /// A previous write or sync failed, so the writer accepts nothing more.
        public static let writerStopped = Code(base: .writerStopped)
        /// The journal was closed.
        public static let writerClosed = Code(base: .writerClosed)
        /// Another process holds the journal's writer lock.
        public static let locked = Code(base: .locked)
        /// Data that should be valid is not: a bad frame followed by good data, a gap, a broken chain.
        public static let corruption = Code(base: .corruption)
        /// The end of the newest segment holds an incomplete or damaged frame (recoverable).
        public static let tornTail = Code(base: .tornTail)
        /// The data was written by a format version this build cannot read.
        public static let unsupportedVersion = Code(base: .unsupportedVersion)
        /// A caller passed a value the journal cannot accept.
        public static let invalidArgument = Code(base: .invalidArgument)
        /// A file, directory or sequence number does not exist.
        public static let notFound = Code(base: .notFound)
        /// A size or count limit was exceeded.
        public static let limitExceeded = Code(base: .limitExceeded)
        /// Segments from two different journals (UUIDs) were mixed.
        public static let mismatchedJournal = Code(base: .mismatchedJournal)
        /// A shipped frame was refused: it fails its checksum or does not continue this journal
        /// (chain link, seq or epoch). Nothing of its batch was written; fetch it again.
        public static let rejectedFrame = Code(base: .rejectedFrame)

        public var description: String { base.rawValue }
    }

    /// Where in the journal the problem was found.
    public struct Location: Hashable, Sendable, CustomStringConvertible {
        /// Segment file name, e.g. `00000001-0000000000000001.seg`.
        public var segment: String?
        /// Byte offset in the segment.
        public var offset: Int64?
        /// The sequence number involved, when known.
        public var seq: UInt64?

        public init(segment: String? = nil, offset: Int64? = nil, seq: UInt64? = nil) {
            self.segment = segment
            self.offset = offset
            self.seq = seq
        }

        public var description: String {
            var parts: [String] = []
            if let segment { parts.append("segment \(segment)") }
            if let offset { parts.append("offset \(offset)") }
            if let seq { parts.append("seq \(seq)") }
            return parts.joined(separator: ", ")
        }
    }

    public var code: Code
    /// A sentence a person can act on.
    public var message: String
    public var location: Location?
    /// The underlying error, if any (for example the `errno` of a failed call).
    public var cause: String?

    public init(_ code: Code, _ message: String, location: Location? = nil, cause: String? = nil) {
        self.code = code
        self.message = message
        self.location = location
        self.cause = cause
    }

    public var description: String {
        var text = ""
        if let location, location.segment != nil || location.offset != nil || location.seq != nil {
            text = "\(location): "
        }
        text += message
        if let cause { text += " (\(cause))" }
        return text
    }
}

extension JournalError {
    static func posix(_ call: String, path: String, errno code: Int32) -> JournalError {
        let reason = String(cString: strerror(code))
        switch code {
        case ENOSPC, EDQUOT:
            return JournalError(
                .diskFull, "\(call) on \(path) failed: the file system is full; the writer has stopped",
                cause: "errno \(code): \(reason)")
        case ENOENT:
            return JournalError(
                .notFound, "\(call) on \(path) failed: no such file or directory",
                cause: "errno \(code): \(reason)")
        default:
            return JournalError(.io, "\(call) on \(path) failed", cause: "errno \(code): \(reason)")
        }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif
