import CLDAP
import ConnectorKit

#if canImport(Glibc)
    import Glibc
#endif

/// One bound libldap session.
///
/// libldap calls block, so a connection is only ever used on its ``LDAPClient``'s serial queue, never on Swift
/// concurrency's cooperative threads; it is not `Sendable`.
final class LDAPConnection {
    let handle: OpaquePointer
    let settings: LDAPSettings
    /// Set once the server is gone (down, timed out): the client opens a new connection for the next operation.
    private(set) var isBroken = false

    /// Connects (StartTLS if configured) and binds. Throws ``ConnectorError`` with `authentication` when the
    /// credentials are refused, `transient` when the server cannot be reached; never with the password.
    init(settings: LDAPSettings) throws(ConnectorError) {
        var ld: OpaquePointer?
        let rc = ldap_initialize(&ld, settings.url)
        guard rc == LDAP_SUCCESS, let ld else {
            throw ConnectorError(
                .invalidConfiguration,
                "connectors.\(settings.name).url: libldap cannot use '\(settings.url)': \(LDAPResultCode.name(rc))")
        }
        handle = ld
        self.settings = settings
        try configure()
        if settings.startTLS {
            let tls = ldap_start_tls_s(handle, nil, nil)
            guard tls == LDAP_SUCCESS else { throw failure(tls, "StartTLS") }
        }
        try bind()
    }

    deinit {
        ldap_unbind_ext_s(handle, nil, nil)
    }

    private func configure() throws(ConnectorError) {
        var version = LDAP_VERSION3
        ldap_set_option(handle, LDAP_OPT_PROTOCOL_VERSION, &version)
        tandem_ldap_set_bool_option(handle, LDAP_OPT_REFERRALS, 0)
        tandem_ldap_set_bool_option(handle, LDAP_OPT_RESTART, 1)
        var timeout = timeval(tv_sec: settings.timeoutSeconds, tv_usec: 0)
        ldap_set_option(handle, LDAP_OPT_NETWORK_TIMEOUT, &timeout)
        ldap_set_option(handle, LDAP_OPT_TIMEOUT, &timeout)
        var tlsChanged = false
        if !settings.tlsVerify {
            var never = LDAP_OPT_X_TLS_NEVER
            ldap_set_option(handle, LDAP_OPT_X_TLS_REQUIRE_CERT, &never)
            tlsChanged = true
        }
        if let file = settings.tlsCACertificateFile {
            _ = file.withCString { ldap_set_option(handle, LDAP_OPT_X_TLS_CACERTFILE, $0) }
            tlsChanged = true
        }
        if tlsChanged {
            // Per-connection TLS settings take effect only in a new TLS context.
            var isServer: Int32 = 0
            let rc = ldap_set_option(handle, LDAP_OPT_X_TLS_NEWCTX, &isServer)
            guard rc == LDAP_OPT_SUCCESS else {
                throw ConnectorError(
                    .invalidConfiguration,
                    "connectors.\(settings.name): the TLS settings are not usable (tlsCACertificateFile, tlsVerify)")
            }
        }
    }

    /// A simple bind with the password copied into memory that is wiped right after.
    private func bind() throws(ConnectorError) {
        guard let dn = settings.bindDN else { return }
        let secret = Array((settings.password?.reveal() ?? "").utf8)
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: max(secret.count, 1))
        defer {
            buffer.update(repeating: 0, count: max(secret.count, 1))
            buffer.deallocate()
        }
        secret.withUnsafeBytes { bytes in
            for (index, byte) in bytes.enumerated() { buffer[index] = CChar(bitPattern: byte) }
        }
        var credentials = berval(bv_len: ber_len_t(secret.count), bv_val: buffer)
        let rc = ldap_sasl_bind_s(handle, dn, nil, &credentials, nil, nil, nil)
        guard rc == LDAP_SUCCESS else { throw failure(rc, "bind as \(dn)") }
    }

    /// The error for a failed operation: its code mapped, libldap's name for it and the server's diagnostic
    /// message (which never holds the values or the password sent).
    func failure(_ rc: Int32, _ operation: String, anchor: Anchor? = nil) -> ConnectorError {
        if rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR || rc == LDAP_TIMEOUT || rc == LDAP_UNAVAILABLE {
            isBroken = true
        }
        var message = "\(settings.url): \(operation) failed: \(LDAPResultCode.name(rc))"
        if let diagnostic = diagnosticMessage(), !diagnostic.isEmpty { message += " (\(diagnostic))" }
        return ConnectorError(LDAPResultCode.connectorCode(rc), message, anchor: anchor, systemCode: "LDAP \(rc)")
    }

    /// The failure of the latest operation, read from the handle (for calls that return -1 or a NULL message).
    func lastFailure(_ operation: String) -> ConnectorError {
        var rc: Int32 = LDAP_OTHER
        ldap_get_option(handle, LDAP_OPT_RESULT_CODE, &rc)
        return failure(rc == LDAP_SUCCESS ? LDAP_SERVER_DOWN : rc, operation)
    }

    private func diagnosticMessage() -> String? {
        var text: UnsafeMutablePointer<CChar>?
        guard ldap_get_option(handle, LDAP_OPT_DIAGNOSTIC_MESSAGE, &text) == LDAP_OPT_SUCCESS, let text else {
            return nil
        }
        defer { ldap_memfree(text) }
        return String(cString: text)
    }

    /// Marks the connection unusable after an interrupted exchange (an abandoned paged search).
    func markBroken() { isBroken = true }
}
