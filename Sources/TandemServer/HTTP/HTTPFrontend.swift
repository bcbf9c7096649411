import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import ServiceLifecycle
import TandemEngine
import TandemJournal

/// The HTTP API: journal shipping, status, metrics, health and cycles on demand. Routes
/// `POST /v1/promote` and `POST /v1/demote` are left to the promotion controller.
enum HTTPFrontend {
    static func makeApplication(
        node: TandemNode, options: ServerOptions, controller: PromotionController? = nil, logger: Logger,
        onListening: @escaping @Sendable (_ url: String) async -> Void
    ) throws -> any Service {
        let router = Router(context: ServerRequestContext.self)
        router.get("/healthz") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok\n"))) }
        router.get("/v1/status") { _, _ in
            await json(node.snapshot(includeDigest: true).statusJSON())
        }
        router.get("/metrics") { _, _ in
            let text = await node.snapshot(includeDigest: false).metricsText(node.metrics.snapshot)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/v1/journal/head") { _, _ in
            try await guarded {
                let head = try await node.journalHead()
                let data = try JSONEncoder().encode(head)
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(bytes: data)))
            }
        }
        router.get("/v1/journal") { request, context in
            try await guarded {
                try await JournalStreamRoute.respond(
                    request: request, channel: context.channel, node: node, options: options)
            }
        }
        router.post("/v1/cycle") { request, _ in
            try await guarded {
                let initial = request.uri.queryParameters["initial"].map { $0 == "true" || $0 == "1" } ?? false
                let runs = try await node.runCycle(initial: initial)
                return json([
                    "runs": runs.map { run in
                        [
                            "runID": run.runID, "status": run.status.rawValue, "message": run.message,
                            "adds": run.statistics.adds, "updates": run.statistics.updates,
                            "deletes": run.statistics.deletes, "errors": run.statistics.errors,
                        ] as [String: Any]
                    }
                ])
            }
        }

        router.get("/v1/journal/epochs") { _, _ in
            try await guarded {
                let history = EpochHistory(try JournalReader(directory: node.journalDirectory))
                return json([
                    "starts": history.starts.map { ["epoch": $0.epoch, "firstSeq": $0.firstSeq] },
                    "lastSeq": history.lastSeq,
                ])
            }
        }
        CheckpointRoutes.add(to: router, node: node)
        if let controller { PromotionRoutes.add(to: router, controller: controller) }

        let responder = AuthenticatingResponder(
            inner: router.buildResponder(), token: options.token, metrics: node.metrics)
        let scheme = options.tlsCertificatePath == nil ? "http" : "https"
        let server: HTTPServerBuilder
        if let certificate = options.tlsCertificatePath, let key = options.tlsKeyPath {
            server = try .tls(.http1(), tlsConfiguration: tlsConfiguration(certificate: certificate, key: key))
        } else {
            server = .http1()
        }
        let host = options.listenHost
        return Application(
            responder: responder, server: server,
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: options.listenPort), serverName: "tandem"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? options.listenPort
                let shownHost = host.contains(":") ? "[\(host)]" : host
                await onListening("\(scheme)://\(shownHost):\(port)")
            },
            logger: logger)
    }

    private static func tlsConfiguration(certificate: String, key: String) throws -> TLSConfiguration {
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(certificate)
            let privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
            return TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        } catch {
            throw ServerError(
                .configuration, "server.tls: cannot load the certificate \(certificate) and key \(key): \(error)")
        }
    }

    /// Maps operating errors to HTTP statuses at the edge, with a JSON body naming the problem.
    static func guarded(_ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as ServerError {
            let status: HTTPResponse.Status =
                switch error.code {
                case .wrongRole: .conflict
                case .busy: .tooManyRequests
                case .stopped: .serviceUnavailable
                case .configuration: .badRequest
                default: .internalServerError
                }
            return Self.error(status, error.message)
        } catch let error as JournalError {
            let status: HTTPResponse.Status = error.code == .invalidArgument ? .badRequest : .internalServerError
            return Self.error(status, error.description)
        } catch let error as EngineError {
            return Self.error(.internalServerError, error.description)
        } catch let error as PromotionError {
            let status: HTTPResponse.Status =
                switch error.code {
                case .confirmationRequired: .preconditionFailed
                case .authorityUnavailable: .serviceUnavailable
                case .invalidConfiguration: .badRequest
                default: .conflict
                }
            return Self.error(status, error.description)
        }
    }

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        json(["error": message], status: status)
    }

    static func json(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        var buffer = ByteBuffer(bytes: data)
        buffer.writeString("\n")
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: buffer))
    }
}
