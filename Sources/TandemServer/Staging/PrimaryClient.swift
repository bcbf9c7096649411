import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Talks to the primary: its journal head and its journal stream, with the bearer token.
final class PrimaryClient: Sendable {
    let baseURL: String
    let token: BearerToken
    let client: HTTPClient
    /// The shipping connection's own event loop: its reads never queue behind the HTTP API's
    /// requests and responses (nor, in one process, behind the primary's own writes).
    private let group: MultiThreadedEventLoopGroup

    init(baseURL: String, token: BearerToken, caPath: String?) throws {
        self.baseURL = baseURL
        self.token = token
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caPath {
            do {
                let certificates = try NIOSSLCertificate.fromPEMFile(caPath)
                tls.additionalTrustRoots = [.certificates(certificates)]
            } catch {
                throw ServerError(.configuration, "server.tls.ca: cannot read the certificates in \(caPath): \(error)")
            }
        }
        let configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, timeout: .init(connect: .seconds(5), read: .seconds(45)))
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        client = HTTPClient(eventLoopGroupProvider: .shared(group), configuration: configuration)
    }

    func shutdown() async {
        try? await client.shutdown()
        try? await group.shutdownGracefully()
    }

    /// `GET /v1/journal/head`.
    func head() async throws -> JournalHead {
        let response = try await send(path: "/v1/journal/head", timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 16)
        do {
            return try JSONDecoder().decode(JournalHead.self, from: Data(buffer: body))
        } catch {
            throw ServerError(.primaryRefused, "the primary \(baseURL) sent a journal head that does not parse")
        }
    }

    /// `GET /v1/journal?from=SEQ`, its body handed to `receiver` on the client's event loop (see
    /// ``ShippingReceiver``); returns once the response has ended. Cancelling the calling task
    /// cancels the request.
    func journal(from seq: UInt64, into receiver: ShippingReceiver) async throws {
        let request: HTTPClient.Request
        do {
            request = try HTTPClient.Request(
                url: baseURL + Self.journalPath(from: seq), method: .GET,
                headers: ["Authorization": token.authorizationValue])
        } catch {
            throw ServerError(.configuration, "cannot request the primary's journal at \(baseURL): \(error)")
        }
        let task = client.execute(
            request: request, delegate: receiver, eventLoop: .indifferent, deadline: .now() + .seconds(600))
        try await withTaskCancellationHandler {
            do {
                try await task.futureResult.get()
            } catch let error as ServerError {
                throw error
            } catch {
                throw ServerError(.primaryUnreachable, "the primary \(baseURL) is unreachable: \(error)")
            }
        } onCancel: {
            task.cancel()
        }
    }

    static func journalPath(from seq: UInt64) -> String { "/v1/journal?from=\(seq)" }

    /// The error for a primary's answer other than 200 to `path`.
    static func refusal(baseURL: String, path: String, status: UInt, text: String) -> ServerError {
        if status == 401 {
            return ServerError(
                .primaryRefused,
                "the primary \(baseURL) refused our bearer token (401); both servers need the same token")
        }
        return ServerError(.primaryRefused, "the primary \(baseURL) answered \(status) to \(path): \(text.prefix(300))")
    }

    func send(path: String, timeout: TimeAmount) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: baseURL + path)
        request.headers.add(name: "Authorization", value: token.authorizationValue)
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: timeout)
        } catch {
            throw ServerError(.primaryUnreachable, "the primary \(baseURL) is unreachable: \(error)")
        }
        guard response.status == .ok else {
            let text = (try? await response.body.collect(upTo: 4096)).map { String(buffer: $0) } ?? ""
            throw Self.refusal(baseURL: baseURL, path: path, status: response.status.code, text: text)
        }
        return response
    }
}
