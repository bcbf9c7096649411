/// A problem found in a journal directory.
public struct JournalFinding: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        /// An incomplete or damaged frame at the very end of the newest segment: a crash during a
        /// write. Recoverable by truncating it; nothing acknowledged is lost.
        case tornTail = "torn tail"
        /// Damage that truncation cannot explain; the journal must not be opened for writing.
        case corruption
    }

    public var severity: Severity
    public var segment: String
    public var offset: Int64
    public var seq: UInt64?
    public var message: String
    /// The damage is data this build cannot read (a newer format version or frame type), not corruption.
    public var isUnsupported = false

    public var description: String {
        var text = "\(severity.rawValue): segment \(segment), offset \(offset)"
        if let seq { text += ", seq \(seq)" }
        return text + ": " + message
    }

    var error: JournalError {
        JournalError(
            severity == .tornTail ? .tornTail : isUnsupported ? .unsupportedVersion : .corruption, message,
            location: .init(segment: segment, offset: offset, seq: seq))
    }
}
