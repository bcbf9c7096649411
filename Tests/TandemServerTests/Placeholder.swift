import Testing

@Suite struct TandemServerPlaceholderTests {
    @Test func builds() {}
}
