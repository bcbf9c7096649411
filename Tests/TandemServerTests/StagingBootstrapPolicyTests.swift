import Testing

@testable import TandemServer

/// When an empty staging server starts from its primary's checkpoint rather than from seq 1.
@Suite struct StagingBootstrapPolicyTests {
    @Test(arguments: [
        // policy, primary's first seq, primary's last seq, expected
        ("auto", 1, 9_999, false),
        ("auto", 1, 10_000, true),
        ("auto", 5, 6, true),  // the primary's journal no longer starts at 1: only a checkpoint can start here
        ("checkpoint", 1, 2, true),
        ("journal", 1, 1_000_000, false),
        ("journal", 5, 6, false),
    ])
    func choosesACheckpointWhenReplayingWouldBeLongOrImpossible(
        policy: String, firstSeq: Int, lastSeq: Int, expected: Bool
    ) throws {
        let parsed = try #require(StagingBootstrapPolicy(policy))
        #expect(
            parsed.prefersCheckpoint(primaryFirstSeq: UInt64(firstSeq), primaryLastSeq: UInt64(lastSeq)) == expected)
    }

    @Test func theThresholdIsConfigurableAndUnknownPoliciesAreRejected() {
        #expect(StagingBootstrapPolicy("auto", thresholdSeqs: 50) == .automatic(thresholdSeqs: 50))
        #expect(
            StagingBootstrapPolicy("auto", thresholdSeqs: 50)?.prefersCheckpoint(primaryFirstSeq: 1, primaryLastSeq: 50)
                == true)
        #expect(StagingBootstrapPolicy("always") == nil)
    }
}
