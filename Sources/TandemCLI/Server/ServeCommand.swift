import ArgumentParser
import ConnectorKit
import Foundation
import Logging
import TandemEngine
import TandemJournal
import TandemServer

extension ServerSettings.Role: ExpressibleByArgument {}

/// `tandem serve`: the long-running server, active (runs the scheduler and exports) or staging
/// (follows its primary's journal, never exports).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract:
            "Run the server: the active one runs cycles on a schedule; a staging one follows its primary's journal.",
        discussion: """
            Serves GET /v1/journal?from=SEQ (journal shipping), GET /v1/checkpoint (bootstrapping staging servers), GET /v1/status, GET /metrics and GET /healthz, \
            and POST /v1/cycle (run a cycle now, on the active server). Every endpoint but /healthz needs the \
            bearer token named by server.tokenFile or server.tokenEnv in the configuration. SIGTERM or SIGINT \
            stops it gracefully. Prints 'listening on URL' once it accepts connections.
            """)

    @OptionGroup var deployment: DeploymentOptions
    @Option(help: "active (runs cycles and exports) or staging (follows --primary). Default: server.role, else active.")
    var role: ServerSettings.Role?
    @Option(help: "The primary's URL, for a staging server (e.g. http://tandem-a:8420). Default: server.primary.")
    var primary: String?
    @Option(help: "HOST:PORT to listen on; port 0 picks a free one. Default: server.listen, else 127.0.0.1:8420.")
    var listen: String?
    @Option(
        help: """
            How a staging server with an empty journal starts: auto (from the primary's newest checkpoint when \
            its journal no longer starts at seq 1 or holds at least --bootstrap-threshold events, else from seq 1), \
            checkpoint (from a checkpoint whenever one is offered) or journal (always from seq 1). \
            Default: server.bootstrap, else auto.
            """)
    var bootstrap: String?
    @Option(
        help: """
            For --bootstrap auto: the primary's journal length (events) from which a checkpoint is preferred. \
            Default: server.bootstrapThreshold, else 10000.
            """)
    var bootstrapThreshold: UInt64?
    @OptionGroup var authority: AuthorityOptions

    func run() async throws {
        try await runReportingEngineErrors {
            let configuration = try deployment.loadConfiguration()
            var options: ServerOptions
            do {
                options = try ServerOptions.resolve(configuration, role: role, primaryURL: primary, listen: listen)
            } catch let error as ServerError {
                throw CLIFailure(message: error.message, exitCode: 2)
            }
            options.faults = ShippingFaults.fromEnvironment(ProcessInfo.processInfo.environment)
            let mode = bootstrap ?? configuration.server.bootstrap ?? "auto"
            let threshold =
                bootstrapThreshold ?? configuration.server.bootstrapThresholdSeqs
                ?? StagingBootstrapPolicy.defaultThresholdSeqs
            guard let policy = StagingBootstrapPolicy(mode, thresholdSeqs: threshold) else {
                throw CLIFailure(message: "--bootstrap \(mode): expected auto, checkpoint or journal", exitCode: 2)
            }
            options.bootstrap = policy
            let node = TandemNode(
                configuration: configuration, options: options,
                makeEngine: { configuration, journal, applied in
                    var connectors: [String: any Connector] = [:]
                    for connector in configuration.connectors {
                        connectors[connector.name] = try EngineContext.registry.makeConnector(connector)
                    }
                    let wrapped = ExportKillFault.wrap(connectors, environment: ProcessInfo.processInfo.environment)
                    // Checkpoints as for every other command: they start the engine quickly and are
                    // what a new staging server bootstraps from (GET /v1/checkpoint).
                    let checkpointing = CheckpointPolicy(
                        checkpoints: EngineContext.checkpoints(configuration),
                        interval: configuration.checkpointInterval, retention: configuration.retention)
                    guard let applied else {
                        return try SyncEngine.open(
                            configuration: configuration, journal: journal, connectors: wrapped,
                            checkpointing: checkpointing)
                    }
                    return try SyncEngine.open(
                        configuration: configuration, journal: journal, connectors: wrapped, resuming: applied.state,
                        appliedThrough: applied.seq, checkpointing: checkpointing)
                },
                logger: Logger(label: "tandem.server"))
            let role = options.role
            do {
                try await authority.withAuthority(configuration.server.authority) { epochAuthority, resolved in
                    let controller = PromotionController(
                        node: node,
                        promotion: Promotion(
                            authority: epochAuthority,
                            holder: resolved?.holder ?? ProcessInfo.processInfo.hostName,
                            leaseDuration: resolved?.leaseDuration ?? .seconds(10)))
                    try await TandemServerRunner.run(
                        node: node, controller: controller, logger: Logger(label: "tandem.server")
                    ) { url in
                        Terminal.print("tandem serve: \(role.rawValue) server listening on \(url)")
                    }
                }
            } catch let error as ServerError {
                throw CLIFailure(message: error.message, exitCode: error.code == .configuration ? 2 : 1)
            } catch let error as PromotionError {
                throw CLIFailure(message: error.description, exitCode: error.code == .invalidConfiguration ? 2 : 1)
            }
            Terminal.print("tandem serve: stopped")
        }
    }
}
