/// When a staging server whose journal is empty starts from its primary's newest checkpoint
/// (downloading the state at seq N, then shipping from N + 1) instead of shipping and replaying
/// the primary's whole journal from seq 1. A server whose journal holds anything never bootstraps:
/// it resumes from its last durable seq.
public enum StagingBootstrapPolicy: Sendable, Hashable, CustomStringConvertible {
    /// From a checkpoint when the primary offers one and its journal no longer starts at seq 1
    /// (the only way to follow it), or holds at least `thresholdSeqs` events; from seq 1 otherwise.
    case automatic(thresholdSeqs: UInt64 = Self.defaultThresholdSeqs)
    /// From a checkpoint whenever the primary offers one.
    case checkpoint
    /// Always from seq 1 (a primary whose journal no longer starts there cannot be followed).
    case journal

    /// 10,000 events, the engine's default checkpoint interval: a staging server then never replays
    /// more than an active server would at start-up (events are batches of up to 1,000 changes).
    public static let defaultThresholdSeqs: UInt64 = 10_000

    /// Parses `auto`, `checkpoint` or `journal` (the `--bootstrap` option), with the threshold for `auto`.
    public init?(_ text: String, thresholdSeqs: UInt64 = Self.defaultThresholdSeqs) {
        switch text {
        case "auto": self = .automatic(thresholdSeqs: thresholdSeqs)
        case "checkpoint": self = .checkpoint
        case "journal": self = .journal
        default: return nil
        }
    }

    /// Whether to bootstrap from an offered checkpoint, given where the primary's journal starts and ends.
    func prefersCheckpoint(primaryFirstSeq: UInt64, primaryLastSeq: UInt64) -> Bool {
        switch self {
        case .checkpoint: true
        case .journal: false
        case .automatic(let threshold): primaryFirstSeq > 1 || primaryLastSeq >= threshold
        }
    }

    public var description: String {
        switch self {
        case .automatic(let threshold): "auto (checkpoint from \(threshold) events)"
        case .checkpoint: "checkpoint"
        case .journal: "journal"
        }
    }
}
