import BenchmarkSupport
import ConnectorKit
import FileConnector
import Foundation
import Logging
import Synchronization
import TandemEngine
import TandemJournal

/// One engine on the benchmark's folder: its journal opened for writing, the file connectors, and runs
/// timed one by one.
final class EngineSession {
    let engine: SyncEngine
    let journal: Journal
    let configuration: Configuration

    /// One timed run of one profile on one connector.
    struct TimedRun {
        var connector: String
        var profile: RunProfile
        var seconds: Double
        var statistics: RunStatistics
    }

    init(configurationPath: String, exportPageSize: Int?) async throws {
        var configuration = try ConfigurationLoader.load(path: configurationPath)
        if let exportPageSize {
            for index in configuration.connectors.indices
            where configuration.connectors[index].name.hasPrefix("directory") {
                configuration.connectors[index].settings["pageSize"] = .integer(exportPageSize)
                configuration.connectors[index].settings["exportPageSize"] = .integer(exportPageSize)
            }
        }
        let registry = ConnectorRegistry([FileConnectorFactory()])
        var connectors: [String: any Connector] = [:]
        for connector in configuration.connectors {
            connectors[connector.name] = try registry.makeConnector(connector)
        }
        var options = JournalOptions()
        options.logger.logLevel = .warning
        let journal = try Journal.open(directory: configuration.dataDirectory + "/journal", options: options)
        var logger = Logger(label: "tandem.engine")
        logger.logLevel = .warning
        do {
            engine = try SyncEngine.open(
                configuration: configuration, journal: journal, connectors: connectors, logger: logger)
        } catch {
            await journal.close()
            throw error
        }
        self.journal = journal
        self.configuration = configuration
    }

    /// Starts reporting progress on standard error, at most every five seconds.
    func reportProgress() async {
        let last = Mutex(ContinuousClock.now - .seconds(10))
        await engine.setProgressHandler { update in
            let now = ContinuousClock.now
            let due = last.withLock { previous -> Bool in
                guard now - previous >= .seconds(5) else { return false }
                previous = now
                return true
            }
            guard due else { return }
            var text = "  \(update.connector) \(update.profile.rawValue): \(update.stage) \(update.processed)"
            if let total = update.total { text += "/\(total)" }
            text += " (\(Format.count(Int(update.objectsPerSecond))) objects/s)"
            progress(text)
        }
    }

    /// Runs one profile and times it; a run that does not complete is a benchmark failure.
    func run(_ profile: RunProfile, _ connector: String) async throws -> TimedRun {
        let clock = ContinuousClock()
        let start = clock.now
        let finished = try await engine.run(profile, connector: connector)
        let seconds = (clock.now - start).seconds
        guard finished.status == .success || finished.status == .completedWithErrors else {
            throw BenchmarkFailure(
                "\(connector) \(profile.rawValue) ended \(finished.status.rawValue): \(finished.message)")
        }
        let s = finished.statistics
        progress(
            "  \(connector) \(profile.rawValue): \(Format.seconds(seconds)) — adds \(s.adds), updates \(s.updates), "
                + "deletes \(s.deletes), unchanged \(s.unchanged), projections \(s.projections), joins \(s.joins), "
                + "disconnections \(s.disconnections), exports staged \(s.exportsStaged), errors \(s.errors)")
        return TimedRun(connector: connector, profile: profile, seconds: seconds, statistics: s)
    }

    /// The runs of a cycle, in the engine's order: imports, then syncs, then exports, on every connector.
    func cycle(initial: Bool) async throws -> [TimedRun] {
        let names = configuration.connectors.map(\.name)
        var runs: [TimedRun] = []
        for name in names { runs.append(try await run(initial ? .fullImport : .deltaImport, name)) }
        for name in names { runs.append(try await run(initial ? .fullSync : .deltaSync, name)) }
        for name in names { runs.append(try await run(.export, name)) }
        return runs
    }

    var state: EngineState {
        get async { await engine.state }
    }

    func close() async {
        await journal.close()
    }
}
