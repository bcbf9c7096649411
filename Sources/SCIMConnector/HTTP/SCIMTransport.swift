import AsyncHTTPClient
import ConnectorKit
import Foundation
import Logging

/// One SCIM request: a method, a path under the base URL, an optional body and precondition.
struct SCIMRequest: Sendable {
    enum Method: String, Sendable {
        case GET, POST, PUT, PATCH, DELETE
    }

    var method: Method
    /// `/Users/ID?…`, relative to the base URL; path segments and query values already percent-encoded.
    var path: String
    var body: JSONValue?
    /// An `If-Match` precondition: the ETag the change was computed against.
    var ifMatch: String?

    /// The request as logs and messages name it: method and path without the query (which can hold filter
    /// values), never a body or a header.
    var summary: String {
        let bare = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        return "\(method.rawValue) \(bare)"
    }
}

/// A service's answer to a request that was not retried away.
struct SCIMResponse: Sendable {
    var status: Int
    var etag: String?
    var body: JSONValue?

    var isSuccess: Bool { (200..<300).contains(status) }

    /// The `scimType` of an error response (`uniqueness`, `invalidValue`, …), safe to show: it is a keyword.
    var scimType: String? { body?["scimType"]?.stringValue }

    /// `HTTP 409 uniqueness`: the status and the SCIM error type, but never the `detail`, which may quote
    /// attribute values.
    var errorCode: String { "HTTP \(status)" + (scimType.map { " \($0)" } ?? "") }
}

/// Sends SCIM requests with the bearer token, a deadline, and bounded retries of 429, 5xx and network failures
/// that honour `Retry-After`. Refused credentials (401, 403) throw ``ConnectorError/Code/authentication``.
///
/// Neither bodies nor headers are logged: only the method, the path without its query, the status and timing.
struct SCIMTransport: Sendable {
    /// One client for every SCIM connector in the process. Redirects are refused so the bearer token is never
    /// sent to another host; it is never shut down, like `HTTPClient.shared`.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout.connect = .seconds(10)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// The largest response body read, so a misbehaving service cannot exhaust memory.
    static let maxBodyBytes = 256 << 20

    var baseURL: String
    var token: Secret
    var timeout: Duration
    var retry: RetryPolicy
    var logger: Logger

    func send(_ request: SCIMRequest) async throws -> SCIMResponse {
        var outgoing = HTTPClientRequest(url: baseURL + request.path)
        outgoing.method = .init(rawValue: request.method.rawValue)
        outgoing.headers.add(name: "Authorization", value: "Bearer " + token.reveal())
        outgoing.headers.add(name: "Accept", value: "application/scim+json, application/json")
        if let body = request.body {
            outgoing.headers.add(name: "Content-Type", value: "application/scim+json")
            outgoing.body = .bytes(body.encoded())
        }
        if let ifMatch = request.ifMatch { outgoing.headers.add(name: "If-Match", value: ifMatch) }

        var attempt = 0
        while true {
            attempt += 1
            try Task.checkCancellation()
            let failure: String
            var retryAfter: Duration?
            do {
                let response = try await Self.client.execute(outgoing, timeout: .nanoseconds(timeout.nanoseconds))
                let status = Int(response.status.code)
                var bytes: [UInt8] = []
                for try await chunk in response.body {
                    bytes += chunk.readableBytesView
                    guard bytes.count <= Self.maxBodyBytes else {
                        throw ConnectorError(
                            .protocolViolation,
                            "SCIM service at \(baseURL) answered \(request.summary) with more than "
                                + "\(Self.maxBodyBytes >> 20) MiB")
                    }
                }
                if status == 401 || status == 403 {
                    throw ConnectorError(
                        .authentication,
                        "SCIM service at \(baseURL) refused the bearer token (HTTP \(status)) for \(request.summary); "
                            + "check the token that tokenEnv or tokenFile names and its permissions",
                        systemCode: "HTTP \(status)")
                }
                guard status == 429 || status >= 500 else {
                    return SCIMResponse(
                        status: status, etag: response.headers.first(name: "ETag"),
                        body: bytes.isEmpty ? nil : JSONValue.parse(bytes))
                }
                failure = "HTTP \(status)"
                retryAfter = response.headers.first(name: "Retry-After").flatMap {
                    RetryPolicy.parseRetryAfter($0, now: Int64(Date().timeIntervalSince1970))
                }
            } catch let error as ConnectorError {
                throw error
            } catch is CancellationError {
                throw ConnectorError(.cancelled, "\(request.summary) to the SCIM service was cancelled")
            } catch {
                failure = Self.describe(error)
            }
            guard let delay = retry.delay(after: attempt, retryAfter: retryAfter, jitter: Double.random(in: 0...1))
            else {
                let why =
                    attempt < retry.attempts
                    ? "; it asked to retry after \(retryAfter.map(\.seconds) ?? 0) s, longer than retryMaxDelay"
                    : " after \(attempt) attempt\(attempt == 1 ? "" : "s")"
                throw ConnectorError(
                    .transient, "SCIM service at \(baseURL) failed \(request.summary) with \(failure)\(why)",
                    systemCode: failure.hasPrefix("HTTP") ? failure : nil)
            }
            logger.warning(
                "SCIM request failed; retrying",
                metadata: [
                    "request": "\(request.summary)", "failure": "\(failure)", "attempt": "\(attempt)",
                    "delayMilliseconds": "\(delay.milliseconds)",
                ])
            do {
                try await Task.sleep(for: delay)
            } catch {
                throw ConnectorError(.cancelled, "\(request.summary) to the SCIM service was cancelled")
            }
        }
    }

    /// A network failure in words, without the request (whose headers hold the token).
    private static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout: return "a timeout"
            case .remoteConnectionClosed: return "the connection closed early"
            default: break
            }
        }
        return "a network error (\(error))"
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    var milliseconds: Int64 { nanoseconds / 1_000_000 }

    var seconds: Int64 { components.seconds }
}
