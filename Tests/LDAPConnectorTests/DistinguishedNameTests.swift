import Testing

@testable import LDAPConnector

/// The import normalizes every entry's DN; the fast path for plain DNs must agree with libldap wherever it
/// answers, and leave every other DN to libldap.
@Suite struct DistinguishedNameTests {
    @Test(arguments: [
        "uid=person1,ou=people,dc=example,dc=org", "UID=Person1,OU=People,DC=Example,DC=org",
        "cn=Ada Lovelace,ou=engineering,ou=people,dc=example,dc=org", "cn=a.b-c_d@example.org,dc=example,dc=org",
        "o=example", "employeeNumber=100042,ou=people,dc=example,dc=org", "cn=Ada  Lovelace,dc=example,dc=org",
        "UID=person2, ou=people,dc=example,dc=org", "cn=Smith\\, John,dc=example,dc=org", "cn= Ada,dc=org",
        "cn=Ada ,dc=org", "cn=a+sn=b,dc=org", "cn=José,dc=example,dc=org", "cn=#41,dc=org", "cn=a=b,dc=org",
        "cn=\"quoted\",dc=org", "cn=a;dc=org", " cn=a,dc=org", "cn=a,dc=org ", "cn=,dc=org", "=a,dc=org",
        "cn=a,,dc=org",
        "1.2.3.4=a,dc=org", "cn=x:y,dc=org", "",
    ])
    func theFastPathAgreesWithLibldap(dn: String) {
        if let fast = DistinguishedName.simpleNormalized(dn) {
            #expect(fast == DistinguishedName.libldapNormalized(dn))
        }
        #expect(DistinguishedName.normalized(dn) == DistinguishedName.libldapNormalized(dn))
    }

    @Test func plainDistinguishedNamesTakeTheFastPath() {
        #expect(
            DistinguishedName.simpleNormalized("UID=Person1,OU=People,DC=Example,DC=org")
                == "uid=person1,ou=people,dc=example,dc=org")
        #expect(DistinguishedName.simpleNormalized("cn=Smith\\, John,dc=example,dc=org") == nil)
        #expect(DistinguishedName.simpleNormalized("UID=person2, ou=people,dc=example,dc=org") == nil)
    }
}
