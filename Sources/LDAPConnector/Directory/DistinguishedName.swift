import CLDAP

/// Distinguished names as keys and parts: normalized for comparison, split into RDN and parent for a move.
enum DistinguishedName {
    /// A form in which two spellings of the same DN are equal: LDAPv3 syntax without optional spaces,
    /// lower-cased (attribute types and the values Tandem compares are case-insensitive).
    static func normalized(_ dn: String) -> String {
        simpleNormalized(dn) ?? libldapNormalized(dn)
    }

    /// The normalized form of a DN in the plain shape most directories use (`uid=ada,ou=people,dc=example,dc=org`:
    /// ASCII letters, digits and a few punctuation marks, one `=` per RDN, no spaces around separators), which is the
    /// DN lower-cased; `nil` for any other DN. An import normalizes every entry's DN: libldap's parser costs more
    /// than the rest of the entry.
    static func simpleNormalized(_ dn: String) -> String? {
        dn.utf8.withContiguousStorageIfAvailable { bytes -> String? in
            guard let first = bytes.first, let last = bytes.last, first != 0x20, last != 0x20 else { return nil }
            var sawEquals = false
            var previous: UInt8 = 0x2C
            for byte in bytes {
                switch byte {
                case 0x3D:  // =
                    guard !sawEquals, previous != 0x2C, previous != 0x20 else { return nil }
                    sawEquals = true
                case 0x2C:  // ,
                    guard sawEquals, previous != 0x3D, previous != 0x20 else { return nil }
                    sawEquals = false
                case 0x20:  // a space inside a value
                    guard previous != 0x3D, previous != 0x2C else { return nil }
                case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x2E, 0x5F, 0x40:  // 0-9 A-Z a-z - . _ @
                    break
                default:
                    return nil
                }
                previous = byte
            }
            guard sawEquals, previous != 0x3D else { return nil }
            return String(unsafeUninitializedCapacity: bytes.count) { buffer in
                for (index, byte) in bytes.enumerated() {
                    buffer[index] = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
                }
                return bytes.count
            }
        } ?? nil
    }

    /// libldap's normalization (`ldap_dn_normalize`, LDAPv3 form) lower-cased, for every DN.
    static func libldapNormalized(_ dn: String) -> String {
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
