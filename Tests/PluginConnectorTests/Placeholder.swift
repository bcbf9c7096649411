import Testing

@Suite struct PluginConnectorPlaceholderTests {
    @Test func builds() {}
}
