import Testing

@Suite struct SCIMConnectorPlaceholderTests {
    @Test func builds() {}
}
