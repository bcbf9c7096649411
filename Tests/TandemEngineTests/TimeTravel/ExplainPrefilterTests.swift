import Testing

@testable import TandemEngine

/// The byte search that lets `explain` skip events that cannot mention an object.
@Suite struct ExplainPrefilterTests {
    @Test func findsEveryOccurrenceAndNoFalseOne() {
        var random = SeededRandom(seed: 9)
        for _ in 0..<500 {
            let bytes = (0..<Int.random(in: 0..<40, using: &random)).map { _ in UInt8.random(in: 0..<4, using: &random)
            }
            let pattern = (0..<Int.random(in: 1..<4, using: &random)).map { _ in UInt8.random(in: 0..<4, using: &random)
            }
            let naive =
                bytes.count >= pattern.count
                && (0...(bytes.count - pattern.count)).contains { Array(bytes[$0..<$0 + pattern.count]) == pattern }
            #expect(Explainer.contains(bytes, pattern) == naive, "\(bytes) \(pattern)")
        }
    }
}
