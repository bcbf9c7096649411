import CLDAP

/// Distinguished names as keys and parts: normalized for comparison, split into RDN and parent for a move.
enum DistinguishedName {
    /// A form in which two spellings of the same DN are equal: LDAPv3 syntax without optional spaces,
    /// lower-cased (attribute types and the values Tandem compares are case-insensitive).
    static func normalized(_ dn: String) -> String {
        var out: UnsafeMutablePointer<CChar>?
        guard ldap_dn_normalize(dn, LDAP_DN_FORMAT_LDAP, &out, LDAP_DN_FORMAT_LDAPV3) == LDAP_SUCCESS, let out else {
            return dn.lowercased()
        }
        defer { ldap_memfree(out) }
        return String(cString: out).lowercased()
    }

    /// Whether `dn` is a distinguished name in LDAPv3 syntax (RFC 4514).
    static func isValid(_ dn: String) -> Bool {
        var out: UnsafeMutablePointer<CChar>?
        let rc = ldap_dn_normalize(dn, LDAP_DN_FORMAT_LDAPV3, &out, LDAP_DN_FORMAT_LDAPV3)
        if let out { ldap_memfree(out) }
        return rc == LDAP_SUCCESS
    }

    /// The first RDN and the parent DN (`uid=ada` and `ou=people,dc=example,dc=org`); splits at the first comma
    /// that is not escaped.
    static func split(_ dn: String) -> (rdn: String, parent: String) {
        var escaped = false
        for index in dn.indices {
            let character = dn[index]
            if escaped {
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "," {
                let parent = dn[dn.index(after: index)...].drop { $0 == " " }
                return (String(dn[..<index]), String(parent))
            }
        }
        return (dn, "")
    }

    /// Whether `dn` is `base` or below it (both normalized).
    static func isWithin(_ dn: String, base: String) -> Bool {
        base.isEmpty || dn == base || dn.hasSuffix("," + base)
    }

    /// A value escaped for use in a search filter (RFC 4515).
    static func escapeFilterValue(_ bytes: [UInt8]) -> String {
        var text = ""
        for byte in bytes {
            switch byte {
            case 0x2A, 0x28, 0x29, 0x5C, 0x00, 0x80...0xFF:
                text += "\\" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
            default:
                text.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return text
    }
}
