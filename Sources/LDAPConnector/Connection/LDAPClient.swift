import ConnectorKit
import Dispatch
import Logging

/// Owns one LDAP connection and the serial queue every libldap call runs on, off Swift's cooperative pool.
///
/// It connects lazily, reconnects after the server went away, and retries operations that failed transiently
/// (busy, unavailable, down, timed out) with exponential backoff.
final class LDAPClient: @unchecked Sendable {
    let settings: LDAPSettings
    let logger: Logger
    private let queue: DispatchQueue
    /// Only touched on `queue`.
    private var connection: LDAPConnection?

    init(settings: LDAPSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
        self.queue = DispatchQueue(label: "tandem.ldap.\(settings.name)")
    }

    /// Runs `body` on the connection's queue with a bound connection, once; no retry.
    func once<T: Sendable>(_ body: @escaping @Sendable (LDAPConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body(self.bound()) })
            }
        }
    }

    /// Runs `body` like ``once(_:)``, retrying transient failures with backoff on a fresh connection.
    func perform<T: Sendable>(
        _ operation: String, _ body: @escaping @Sendable (LDAPConnection) throws -> T
    ) async throws -> T {
        var delay = Duration.milliseconds(100)
        var attempt = 0
        while true {
            do {
                return try await once(body)
            } catch let error as ConnectorError where error.code == .transient && attempt < settings.retries {
                attempt += 1
                logger.warning(
                    "LDAP operation failed transiently; retrying",
                    metadata: [
                        "connector": "\(settings.name)", "operation": "\(operation)", "attempt": "\(attempt)",
                        "error": "\(error)",
                    ])
                await dropConnection()
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    throw ConnectorError(.cancelled, "\(operation) on connectors.\(settings.name) was cancelled")
                }
                delay *= 3
            }
        }
    }

    /// Closes the connection (on the queue); the next operation opens a new one.
    func dropConnection() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                self.connection = nil
                continuation.resume()
            }
        }
    }

    /// The open connection, or a new one if there is none or the last one broke. Call on `queue` only.
    private func bound() throws(ConnectorError) -> LDAPConnection {
        if let connection, !connection.isBroken { return connection }
        connection = nil
        let fresh = try LDAPConnection(settings: settings)
        connection = fresh
        return fresh
    }
}
