import Hummingbird

/// Requires the bearer token on every request except `GET /healthz`, before routing, so that an
/// unknown path answers 401 like a known one and reveals nothing. A refusal is a bare 401 with
/// `WWW-Authenticate: Bearer` (RFC 6750) and no body; the presented token is never logged.
struct AuthenticatingResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context == ServerRequestContext {
    typealias Context = ServerRequestContext

    let inner: Inner
    let token: BearerToken
    let metrics: ServerMetrics

    func respond(to request: Request, context: Context) async throws -> Response {
        metrics.update { $0.requests += 1 }
        if request.uri.path == "/healthz" && request.method == .get {
            return try await inner.respond(to: request, context: context)
        }
        guard token.matches(authorization: request.headers[.authorization]) else {
            metrics.update { $0.unauthorized += 1 }
            return Response(status: .unauthorized, headers: [.wwwAuthenticate: "Bearer"])
        }
        return try await inner.respond(to: request, context: context)
    }
}
