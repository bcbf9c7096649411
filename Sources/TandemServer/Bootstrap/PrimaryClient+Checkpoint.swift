import AsyncHTTPClient
import Foundation
import NIOCore

extension PrimaryClient {
    /// `GET /v1/checkpoint/manifest`: the checkpoint the primary offers; `nil` if it offers none (404).
    func checkpointManifest() async throws -> CheckpointManifest? {
        var request = HTTPClientRequest(url: baseURL + "/v1/checkpoint/manifest")
        request.headers.add(name: "Authorization", value: token.authorizationValue)
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(60))
        } catch {
            throw ServerError(.primaryUnreachable, "the primary \(baseURL) is unreachable: \(error)")
        }
        if response.status == .notFound {
            _ = try? await response.body.collect(upTo: 1 << 16)
            return nil
        }
        guard response.status == .ok else {
            let text = (try? await response.body.collect(upTo: 4096)).map { String(buffer: $0) } ?? ""
            throw ServerError(
                .primaryRefused,
                "the primary \(baseURL) answered \(response.status.code) to /v1/checkpoint/manifest: \(text.prefix(300))"
            )
        }
        let body = try await response.body.collect(upTo: 1 << 16)
        do {
            return try JSONDecoder().decode(CheckpointManifest.self, from: Data(buffer: body))
        } catch {
            throw ServerError(.primaryRefused, "the primary \(baseURL) sent a checkpoint manifest that does not parse")
        }
    }

    /// `GET /v1/checkpoint?seq=SEQ`: the response whose body is the checkpoint file as stored.
    func checkpoint(seq: UInt64) async throws -> HTTPClientResponse {
        try await send(path: "/v1/checkpoint?seq=\(seq)", timeout: .seconds(3_600))
    }
}
