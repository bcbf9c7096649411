import ArgumentParser
import ConnectorKit
import FileConnector
import Foundation
import LDAPConnector
import Logging
import PluginConnector
import SCIMConnector
import Synchronization
import TandemEngine
import TandemJournal

/// Options shared by the commands that work on a deployment: where its configuration is.
struct DeploymentOptions: ParsableArguments {
    @Option(help: "The configuration file.")
    var config = "tandem.yaml"

    @OptionGroup var global: GlobalOptions

    func loadConfiguration() throws -> Configuration {
        global.bootstrapLogging()
        return try ConfigurationLoader.load(path: config)
    }
}

/// The composition root: the connector types Tandem is built with, and how an engine is assembled.
enum EngineContext {
    /// Built-in connectors, registered at compile time by type name.
    static let registry = ConnectorRegistry([
        FileConnectorFactory(), LDAPConnectorFactory(), SCIMConnectorFactory(),
    ])

    /// The built-in types plus `plugin`, whose plug-ins are searched where `configuration` says.
    static func registry(for configuration: Configuration) -> ConnectorRegistry {
        var registry = self.registry
        registry.register(
            PluginConnectorFactory(
                configuredDirectories: configuration.pluginDirectories,
                tandemVersion: TandemCommand.configuration.version))
        return registry
    }

    static func journalDirectory(_ configuration: Configuration) -> String {
        configuration.dataDirectory + "/journal"
    }

    static func checkpointDirectory(_ configuration: Configuration) -> String {
        configuration.dataDirectory + "/checkpoints"
    }

    static func checkpoints(_ configuration: Configuration) -> EngineCheckpoints {
        EngineCheckpoints(directory: checkpointDirectory(configuration))
    }

    /// Rebuilds the state from the newest usable checkpoint and the journal after it (no lock,
    /// nothing written): for read-only commands.
    static func replayedState(_ configuration: Configuration, through seq: UInt64? = nil) throws -> EngineState {
        try replay(configuration, through: seq).state
    }

    /// Like ``replayedState(_:through:)``, also saying where the replay started.
    static func replay(_ configuration: Configuration, through seq: UInt64? = nil) throws -> EngineReplay.Result {
        let directory = journalDirectory(configuration)
        guard FileManager.default.fileExists(atPath: directory) else {
            return EngineReplay.Result(state: EngineState(), checkpoint: nil, eventsReplayed: 0)
        }
        return try EngineReplay.replay(directory: directory, checkpoints: checkpoints(configuration), through: seq)
    }

    /// Opens the journal for writing and assembles an engine with every configured connector.
    static func openEngine(_ configuration: Configuration) throws -> (SyncEngine, Journal) {
        var connectors: [String: any Connector] = [:]
        for connector in configuration.connectors {
            connectors[connector.name] = try registry(for: configuration).makeConnector(connector)
        }
        var options = JournalOptions()
        options.logger = Logger(label: "tandem.journal")
        let journal = try Journal.open(directory: journalDirectory(configuration), options: options)
        do {
            let engine = try SyncEngine(
                configuration: configuration, journal: journal, connectors: connectors,
                compile: ExpressionLanguage.flowCompiler,
                checkpointing: CheckpointPolicy(
                    checkpoints: checkpoints(configuration), interval: configuration.checkpointInterval,
                    retention: configuration.retention))
            return (engine, journal)
        } catch {
            Task { await journal.close() }
            throw error
        }
    }

    static func printJSON(_ object: Any) {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        Terminal.print(String(decoding: data, as: UTF8.self))
    }
}

/// Runs an engine operation, turning SIGINT into a clean stop at the next batch boundary.
func withInterruptibleEngine<T: Sendable>(
    _ configuration: Configuration, _ body: @Sendable (SyncEngine) async throws -> T
) async throws -> T {
    let (engine, journal) = try EngineContext.openEngine(configuration)
    await engine.setProgressHandler(ProgressPrinter.make())
    signal(SIGINT, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: SIGINT)
    source.setEventHandler {
        Terminal.printError("interrupted: stopping at the next batch boundary…")
        Task { await engine.cancel() }
    }
    source.resume()
    defer {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
    do {
        let result = try await body(engine)
        await journal.close()
        return result
    } catch {
        await journal.close()
        throw error
    }
}

extension EngineError {
    var exitCode: Int32 {
        switch code {
        case .configuration, .invalidArgument, .notFound: return 2
        case .inconsistentJournal, .malformedEvent: return 4
        default: return 1
        }
    }
}

/// Like ``runReportingErrors(_:)`` but also for engine and connector errors.
func runReportingEngineErrors(_ body: () async throws -> Void) async throws {
    do {
        try await runReportingErrors(body)
    } catch let error as EngineError {
        Terminal.printError("error: \(error)")
        throw ExitCode(error.exitCode)
    } catch let error as ConnectorError {
        Terminal.printError("error: \(error)")
        throw ExitCode(error.code == .invalidConfiguration ? 2 : 1)
    }
}

/// Shows run progress: a line rewritten in place on a terminal, a log line every five seconds otherwise.
enum ProgressPrinter {
    static func make() -> @Sendable (RunProgress) -> Void {
        let interactive = isatty(STDERR_FILENO) == 1
        let last = Mutex(ContinuousClock.now)
        let logger = Logger(label: "tandem.progress")
        return { progress in
            var text = "\(progress.connector) \(progress.profile.rawValue): \(progress.stage) \(progress.processed)"
            if let total = progress.total { text += "/\(total)" }
            text += String(format: " (%.0f objects/s", progress.objectsPerSecond)
            if let remaining = progress.estimatedRemaining { text += ", \(remaining.components.seconds) s left" }
            text += ")"
            if interactive {
                FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
            } else {
                let now = ContinuousClock.now
                let due = last.withLock { previous -> Bool in
                    guard now - previous >= .seconds(5) else { return false }
                    previous = now
                    return true
                }
                if due { logger.notice("\(text)") }
            }
        }
    }
}
