import Logging
import ServiceLifecycle
import TandemEngine

/// Runs `tandem serve`: the node in its role and the HTTP API, as services under
/// swift-service-lifecycle. SIGTERM or SIGINT shuts down gracefully: the scheduler stops at the
/// next batch boundary (or the follower stops), the journal closes, open journal streams end,
/// then the HTTP server stops.
public enum TandemServerRunner {
    /// Starts the node (opening its journal) and serves until a signal stops it.
    ///
    /// - Parameter onListening: called with the URL once the server listens (its port, if 0 was asked).
    /// - Parameter controller: claims epochs and fences exports on activation, and serves
    ///   `POST /v1/promote` and `POST /v1/demote`; without one the node exports unfenced.
    public static func run(
        node: TandemNode, controller: PromotionController? = nil, logger: Logger,
        onListening: @escaping @Sendable (_ url: String) async -> Void
    ) async throws {
        await controller?.install()
        try await node.start()
        do {
            let application = try HTTPFrontend.makeApplication(
                node: node, options: await node.options, controller: controller, logger: logger,
                onListening: onListening)
            // Shut down in reverse order: the node first (streams end as its journal closes), then HTTP.
            let group = ServiceGroup(
                configuration: .init(
                    services: [.init(service: application), .init(service: NodeService(node: node))],
                    gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        } catch {
            await node.shutdown()
            throw error
        }
    }
}

/// The node as a service: it runs until graceful shutdown, then stops the node.
struct NodeService: Service {
    let node: TandemNode

    func run() async throws {
        try? await gracefulShutdown()
        await node.shutdown()
    }
}
