import BenchmarkSupport
import Foundation
import Logging
import Synchronization
import TandemEngine
import TandemJournal
import TandemServer

/// A Tandem server (the real `TandemNode` and HTTP API, as `tandem serve` runs them) inside the
/// benchmark process, on a free loopback port, with no connectors: the benchmark itself appends
/// to the active server's journal and observes the staging server's shipped batches.
final class InProcessServer: Sendable {
    let node: TandemNode
    let url: String
    /// Claims epochs and fences exports, when the server was started with a holder name.
    let controller: PromotionController?
    private let task: Task<Void, any Error>
    private let journalBox: JournalBox

    /// The active server's journal, for the benchmark's appends.
    var journal: Journal? { journalBox.value.withLock { $0 } }

    static func start(
        dataDirectory: String, role: ServerSettings.Role, primaryURL: String? = nil,
        authority: (any EpochAuthority)? = nil, holder: String? = nil,
        onShippedBatch: (@Sendable (ShippedBatch) -> Void)? = nil, sendfile: Bool = true
    ) async throws -> InProcessServer {
        let configuration = Configuration(
            baseDirectory: dataDirectory, dataDirectory: dataDirectory, connectors: [], metaverse: [:],
            inboundRules: [], outboundRules: [])
        var options = ServerOptions(
            role: role, listenHost: "127.0.0.1", listenPort: 0, primaryURL: primaryURL,
            token: BearerToken("benchmark-token"))
        options.shippingSendfile = sendfile
        let journalBox = JournalBox()
        let node = TandemNode(
            configuration: configuration, options: options,
            makeEngine: { configuration, journal, applied in
                journalBox.value.withLock { $0 = journal }
                guard let applied else {
                    return try SyncEngine.open(configuration: configuration, journal: journal, connectors: [:])
                }
                return try SyncEngine.open(
                    configuration: configuration, journal: journal, connectors: [:], resuming: applied.state,
                    appliedThrough: applied.seq)
            },
            logger: Logger(label: "tandem.server.\(role.rawValue)"), onShippedCommit: onShippedBatch)
        var promotionLogger = Logger(label: "tandem.promotion")
        promotionLogger.logLevel = .warning
        let controller = holder.map {
            PromotionController(
                node: node, promotion: Promotion(authority: authority, holder: $0, logger: promotionLogger),
                logger: promotionLogger)
        }
        let (urls, sink) = AsyncStream.makeStream(of: String.self)
        let task = Task {
            try await TandemServerRunner.run(
                node: node, controller: controller, logger: Logger(label: "tandem.server.\(role.rawValue)")
            ) { url in sink.yield(url) }
        }
        var iterator = urls.makeAsyncIterator()
        guard let url = await iterator.next() else { throw BenchmarkFailure("the \(role) server did not start") }
        return InProcessServer(node: node, url: url, controller: controller, task: task, journalBox: journalBox)
    }

    private init(
        node: TandemNode, url: String, controller: PromotionController?, task: Task<Void, any Error>,
        journalBox: JournalBox
    ) {
        self.node = node
        self.url = url
        self.controller = controller
        self.task = task
        self.journalBox = journalBox
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

/// The journal the active server's engine was opened on, caught by the engine factory.
private final class JournalBox: Sendable {
    let value = Mutex<Journal?>(nil)
}
