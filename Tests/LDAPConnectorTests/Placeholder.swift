import Testing

@Suite struct LDAPConnectorPlaceholderTests {
    @Test func builds() {}
}
