import CLDAP
import ConnectorKit

#if canImport(Glibc)
    import Glibc
#endif

/// Searches: one page at a time (RFC 2696) or everything at once, with entries parsed straight from the BER.
extension LDAPConnection {
    /// The state of a paged search between pages: the server's cookie, empty once the last page is read.
    struct PageCursor {
        var cookie: [UInt8] = []
        var isFinished = false
    }

    /// Reads the next page of a paged search (`pageSize` entries at most), advancing `cursor`.
    func searchPage(
        base: String, scope: Int32, filter: String, attributes: [String], pageSize: Int, cursor: inout PageCursor
    ) throws(ConnectorError) -> [RawEntry] {
        try searchPage(
            base: base, scope: scope, filter: filter, attributes: attributes, pageSize: pageSize, cursor: &cursor,
            entry: parseEntry)
    }

    /// Reads the next page of a paged search, each entry made by `entry` from its message as it arrives (`nil`
    /// leaves it out): an import maps entries straight from the BER, without an intermediate ``RawEntry``.
    func searchPage<Entry>(
        base: String, scope: Int32, filter: String, attributes: [String], pageSize: Int, cursor: inout PageCursor,
        entry: (OpaquePointer) throws(ConnectorError) -> Entry?
    ) throws(ConnectorError) -> [Entry] {
        var control: UnsafeMutablePointer<LDAPControl>?
        var rc = cursor.cookie.withUnsafeMutableBufferPointer { bytes in
            var cookie = berval(
                bv_len: ber_len_t(bytes.count),
                bv_val: UnsafeMutableRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self))
            return ldap_create_page_control(handle, ber_int_t(pageSize), &cookie, 1, &control)
        }
        guard rc == LDAP_SUCCESS, let control else { throw failure(rc, "paged search of \(base)") }
        defer { ldap_control_free(control) }
        var controls: [UnsafeMutablePointer<LDAPControl>?] = [control, nil]
        var responseControls: UnsafeMutablePointer<UnsafeMutablePointer<LDAPControl>?>?
        let entries = try search(
            base: base, scope: scope, filter: filter, attributes: attributes, controls: &controls,
            responseControls: &responseControls, entry: entry)
        defer { ldap_controls_free(responseControls) }
        guard let response = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, responseControls, nil) else {
            // A server without paging returned everything at once.
            cursor = PageCursor(cookie: [], isFinished: true)
            return entries
        }
        var count: ber_int_t = 0
        var next = berval()
        rc = ldap_parse_pageresponse_control(handle, response, &count, &next)
        guard rc == LDAP_SUCCESS else { throw failure(rc, "paged search of \(base) (reading the page cookie)") }
        defer { ber_memfree(next.bv_val) }
        cursor.cookie = Self.bytes(next)
        cursor.isFinished = cursor.cookie.isEmpty
        return entries
    }

    /// Searches and returns every entry at once (for small result sets: one entry by DN or by anchor).
    func searchAll(base: String, scope: Int32, filter: String, attributes: [String]) throws(ConnectorError)
        -> [RawEntry]
    {
        var controls: [UnsafeMutablePointer<LDAPControl>?] = [nil]
        var responseControls: UnsafeMutablePointer<UnsafeMutablePointer<LDAPControl>?>?
        defer { ldap_controls_free(responseControls) }
        return try search(
            base: base, scope: scope, filter: filter, attributes: attributes, controls: &controls,
            responseControls: &responseControls
        ) { message throws(ConnectorError) in try parseEntry(message) }
    }

    private func search<Entry>(
        base: String, scope: Int32, filter: String, attributes: [String],
        controls: inout [UnsafeMutablePointer<LDAPControl>?],
        responseControls: inout UnsafeMutablePointer<UnsafeMutablePointer<LDAPControl>?>?,
        entry: (OpaquePointer) throws(ConnectorError) -> Entry?
    ) throws(ConnectorError) -> [Entry] {
        var messageID: Int32 = 0
        let attributeList = CStringArray(attributes)
        defer { attributeList.free() }
        let rc = controls.withUnsafeMutableBufferPointer { controlList in
            ldap_search_ext(
                handle, base, scope, filter, attributeList.pointer, 0, controlList.baseAddress, nil, nil,
                LDAP_NO_LIMIT, &messageID)
        }
        guard rc == LDAP_SUCCESS else { throw failure(rc, "search of \(base) with filter \(filter)") }
        var entries: [Entry] = []
        while true {
            var message: OpaquePointer?
            let type = ldap_result(handle, messageID, LDAP_MSG_RECEIVED, nil, &message)
            if type == 0 {
                ldap_msgfree(message)
                ldap_abandon_ext(handle, messageID, nil, nil)
                markBroken()
                throw failure(LDAP_TIMEOUT, "search of \(base)")
            }
            guard type > 0, let first = message else {
                ldap_msgfree(message)
                throw lastFailure("search of \(base)")
            }
            defer { ldap_msgfree(first) }
            var current: OpaquePointer? = first
            while let item = current {
                let tag = ber_tag_t(UInt32(bitPattern: ldap_msgtype(item)))
                if tag == tandem_ldap_res_search_entry {
                    if let parsed = try entry(item) { entries.append(parsed) }
                } else if tag == tandem_ldap_res_search_result {
                    var result: Int32 = 0
                    let parsed = ldap_parse_result(handle, item, &result, nil, nil, nil, &responseControls, 0)
                    guard parsed == LDAP_SUCCESS else { throw failure(parsed, "search of \(base)") }
                    guard result == LDAP_SUCCESS else { throw failure(result, "search of \(base)") }
                    return entries
                }
                current = ldap_next_message(handle, item)
            }
        }
    }

    /// Parses one entry message without copying through libldap's string APIs.
    func parseEntry(_ message: OpaquePointer) throws(ConnectorError) -> RawEntry {
        var attributes: [(name: String, values: [[UInt8]])] = []
        let dn = try readEntry(message) { name, values in
            attributes.append((Self.string(name), values.map(Self.bytes)))
        }
        return RawEntry(dn: dn, attributes: attributes)
    }

    /// Reads one entry message: calls `attribute` with each attribute's name and values as libldap holds them
    /// (valid during the call only), and returns the DN.
    func readEntry(
        _ message: OpaquePointer, _ attribute: (berval, UnsafeBufferPointer<berval>) -> Void
    ) throws(ConnectorError) -> String {
        var ber: OpaquePointer?
        var dnValue = berval()
        let rc = ldap_get_dn_ber(handle, message, &ber, &dnValue)
        guard rc == LDAP_SUCCESS else { throw failure(rc, "reading an entry") }
        defer { ber_free(ber, 0) }
        let dn = Self.string(dnValue)
        while true {
            var name = berval()
            var values: UnsafeMutablePointer<berval>?
            guard ldap_get_attribute_ber(handle, message, ber, &name, &values) == LDAP_SUCCESS, name.bv_val != nil
            else { break }
            var count = 0
            if let values {
                while values[count].bv_val != nil { count += 1 }
            }
            attribute(name, UnsafeBufferPointer(start: values, count: count))
            ber_memfree(values)
        }
        return dn
    }

    static func bytes(_ value: berval) -> [UInt8] {
        guard let base = value.bv_val, value.bv_len > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: base, count: Int(value.bv_len)))
    }

    static func string(_ value: berval) -> String {
        guard let base = value.bv_val, value.bv_len > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: base, count: Int(value.bv_len)), as: UTF8.self)
    }
}

/// A NULL-terminated `char **` built from Swift strings, freed explicitly.
struct CStringArray {
    let pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    private let count: Int

    init(_ strings: [String]) {
        count = strings.count
        pointer = .allocate(capacity: strings.count + 1)
        for (index, string) in strings.enumerated() { pointer[index] = strdup(string) }
        pointer[strings.count] = nil
    }

    func free() {
        for index in 0..<count { Glibc.free(pointer[index]) }
        pointer.deallocate()
    }
}
