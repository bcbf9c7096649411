/// How far a run has come, reported while it runs (at most a few times a second).
public struct RunProgress: Sendable {
    public var connector: String
    public var profile: RunProfile
    /// `importing`, `synchronizing`, `exporting`.
    public var stage: String
    public var processed: Int
    /// How many there are in all, when known (sync and export know; import does not).
    public var total: Int?
    public var elapsed: Duration

    public var objectsPerSecond: Double {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return seconds > 0 ? Double(processed) / seconds : 0
    }

    /// Time left at the current rate, when the total is known.
    public var estimatedRemaining: Duration? {
        guard let total, processed > 0, objectsPerSecond > 0 else { return nil }
        return .milliseconds(Int64(Double(max(0, total - processed)) / objectsPerSecond * 1000))
    }
}

/// Calls a handler with progress, throttled so that reporting never slows a run.
struct ProgressReporter {
    let connector: String
    let profile: RunProfile
    let stage: String
    let handler: (@Sendable (RunProgress) -> Void)?
    let start = ContinuousClock.now
    var lastReport = ContinuousClock.now

    mutating func report(_ processed: Int, total: Int? = nil, force: Bool = false) {
        guard let handler else { return }
        let now = ContinuousClock.now
        guard force || now - lastReport >= .milliseconds(250) else { return }
        lastReport = now
        handler(
            RunProgress(
                connector: connector, profile: profile, stage: stage, processed: processed, total: total,
                elapsed: now - start))
    }
}
