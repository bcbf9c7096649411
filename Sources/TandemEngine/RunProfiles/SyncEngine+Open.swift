import ConnectorKit
import Logging
import TandemJournal

extension SyncEngine {
    /// Opens an engine on a journal with the built-in expression language, rebuilding its state by
    /// replaying the journal: for programs outside this package (benchmarks, embedders) that cannot
    /// name the compiler the initializer takes.
    ///
    /// - Parameters:
    ///   - configuration: the loaded configuration; its rules are compiled here.
    ///   - journal: the journal, opened for writing; the caller closes it.
    ///   - connectors: a connector for every configured connector, by name.
    ///   - checkpointing: where checkpoints go and how often; opening starts from the newest usable one.
    /// - Throws: ``ExpressionParseError`` for a flow that does not compile; ``EngineError`` or a
    ///   journal error if the journal cannot be replayed.
    public static func open(
        configuration: Configuration, journal: Journal, connectors: [String: any Connector],
        logger: Logger = Logger(label: "tandem.engine"), checkpointing: CheckpointPolicy? = nil
    ) throws -> SyncEngine {
        try SyncEngine(
            configuration: configuration, journal: journal, connectors: connectors,
            compile: ExpressionLanguage.flowCompiler, logger: logger, checkpointing: checkpointing)
    }

    /// Opens an engine on a journal whose events are already folded into `state` through `seq` — a
    /// staging server's, being promoted — replaying only the journal after `seq` instead of all of
    /// it: a promotion then costs what the follower had not yet applied, not the journal's length.
    ///
    /// - Parameters:
    ///   - state: the fold of `journal`'s events 1…`seq` (a staging follower's state); the caller
    ///     vouches for it, as it does for the journal.
    ///   - seq: the last seq folded into `state`, at most the journal's last seq.
    public static func open(
        configuration: Configuration, journal: Journal, connectors: [String: any Connector],
        resuming state: EngineState, appliedThrough seq: UInt64, logger: Logger = Logger(label: "tandem.engine"),
        checkpointing: CheckpointPolicy? = nil
    ) throws -> SyncEngine {
        try SyncEngine(
            configuration: configuration, journal: journal, connectors: connectors,
            compile: ExpressionLanguage.flowCompiler, logger: logger, checkpointing: checkpointing,
            resuming: (state, seq))
    }
}
