import CLDAP
import ConnectorKit

#if canImport(Glibc)
    import Glibc
#endif

/// RFC 4533 content synchronization in refreshOnly mode, through libldap's `ldap_sync` API.
extension LDAPConnection {
    /// What one refresh returned.
    struct ContentSyncResult {
        /// Entries added, changed, renamed or moved since the cookie, whole.
        var changed: [RawEntry] = []
        /// entryUUIDs of entries deleted (or gone out of scope) since the cookie.
        var deleted: [Anchor] = []
        /// entryUUIDs the server says are unchanged, in a present phase.
        var present: Set<Anchor> = []
        /// Whether the refresh ended in a present phase: then every entry neither present nor changed is gone.
        var endedInPresentPhase = false
        /// The cookie a later refresh starts from.
        var cookie: [UInt8] = []
    }

    /// The sync request control's OID; a server without it answers "critical extension is unavailable".
    static let syncRequestControl = "1.3.6.1.4.1.4203.1.9.1.1"

    /// Runs one refreshOnly content sync of `base` from `cookie` (all entries when `nil`).
    func contentSync(base: String, filter: String, attributes: [String], cookie: [UInt8]?) throws(ConnectorError)
        -> ContentSyncResult
    {
        let collector = ContentSyncCollector(connection: self)
        var sync = ldap_sync_t()
        ldap_sync_initialize(&sync)
        let attributeList = CStringArray(attributes)
        sync.ls_base = strdup(base)
        sync.ls_scope = tandem_ldap_scope_subtree
        sync.ls_filter = strdup(filter)
        sync.ls_attrs = attributeList.pointer
        sync.ls_timeout = -1  // libldap then waits as long as LDAP_OPT_TIMEOUT says
        sync.ls_ld = handle
        sync.ls_private = Unmanaged.passUnretained(collector).toOpaque()
        sync.ls_search_entry = { sync, message, uuid, phase in
            ContentSyncCollector.from(sync).entry(message, uuid: uuid, phase: phase)
        }
        sync.ls_intermediate = { sync, _, uuids, phase in
            ContentSyncCollector.from(sync).intermediate(uuids, phase: phase)
        }
        sync.ls_search_result = { sync, _, refreshDeletes in
            ContentSyncCollector.from(sync).result.endedInPresentPhase = refreshDeletes == 0
            return 0
        }
        if let cookie, !cookie.isEmpty {
            let copy = ber_memalloc(ber_len_t(cookie.count))!
            cookie.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: cookie.count) }
            sync.ls_cookie = berval(bv_len: ber_len_t(cookie.count), bv_val: copy.assumingMemoryBound(to: CChar.self))
        }
        let rc = ldap_sync_init_refresh_only(&sync)
        collector.result.cookie = Self.bytes(sync.ls_cookie)
        // Not ldap_sync_destroy: it would unbind this connection, which the client reuses.
        ber_memfree(sync.ls_cookie.bv_val)
        free(sync.ls_base)
        free(sync.ls_filter)
        attributeList.free()
        if let error = collector.error { throw error }
        guard rc == LDAP_SUCCESS else { throw failure(rc, "content sync of \(base)") }
        return collector.result
    }
}

/// Collects what libldap's sync callbacks deliver; reached through the sync structure's private pointer.
private final class ContentSyncCollector {
    unowned let connection: LDAPConnection
    var result = LDAPConnection.ContentSyncResult()
    var error: ConnectorError?

    init(connection: LDAPConnection) { self.connection = connection }

    static func from(_ sync: UnsafeMutablePointer<ldap_sync_t>?) -> ContentSyncCollector {
        Unmanaged<ContentSyncCollector>.fromOpaque(sync!.pointee.ls_private).takeUnretainedValue()
    }

    func entry(_ message: OpaquePointer?, uuid: UnsafeMutablePointer<berval>?, phase: ldap_sync_refresh_t) -> Int32 {
        switch phase {
        case LDAP_SYNC_CAPI_ADD, LDAP_SYNC_CAPI_MODIFY:
            guard let message else { return 0 }
            do {
                result.changed.append(try connection.parseEntry(message))
            } catch {
                self.error = error
                return 1
            }
        case LDAP_SYNC_CAPI_DELETE:
            if let uuid { result.deleted.append(Self.anchor(uuid.pointee)) }
        case LDAP_SYNC_CAPI_PRESENT:
            if let uuid { result.present.insert(Self.anchor(uuid.pointee)) }
        default:
            break
        }
        return 0
    }

    func intermediate(_ uuids: BerVarray?, phase: ldap_sync_refresh_t) -> Int32 {
        guard let uuids else { return 0 }
        var index: Int32 = 0
        while let value = tandem_ber_at(uuids, index), value.pointee.bv_val != nil {
            let anchor = Self.anchor(value.pointee)
            if phase == LDAP_SYNC_CAPI_DELETES_IDSET {
                result.deleted.append(anchor)
            } else if phase == LDAP_SYNC_CAPI_PRESENTS_IDSET {
                result.present.insert(anchor)
            }
            index += 1
        }
        return 0
    }

    /// A syncUUID (16 bytes) in entryUUID's text form: `8-4-4-4-12` lower-case hex.
    static func anchor(_ value: berval) -> Anchor {
        let bytes = LDAPConnection.bytes(value)
        guard bytes.count == 16 else { return Anchor(AttributeValue.binary(bytes).text) }
        let hex = AttributeValue.binary(bytes).text
        let characters = Array(hex)
        var text = ""
        for (index, character) in characters.enumerated() {
            if [8, 12, 16, 20].contains(index) { text.append("-") }
            text.append(character)
        }
        return Anchor(text)
    }
}
