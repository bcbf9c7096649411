import AsyncHTTPClient
import Foundation
import NIOCore

/// A small client for the CLI's requests to a running server (promote, demote, status).
public final class ServerClient: Sendable {
    private let client = HTTPClient(eventLoopGroupProvider: .singleton)
    private let token: BearerToken

    public init(token: BearerToken) {
        self.token = token
    }

    public func shutdown() async { try? await client.shutdown() }

    /// Sends a request and returns the status code and the body answered.
    public func request(_ method: String, _ url: String, timeout: Duration = .seconds(120)) async throws
        -> (status: Int, body: Data)
    {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        request.headers.add(name: "Authorization", value: token.authorizationValue)
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(Int64(timeout.components.seconds)))
        } catch {
            throw ServerError(.primaryUnreachable, "\(url) is unreachable: \(error)")
        }
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), Data(buffer: body))
    }
}
