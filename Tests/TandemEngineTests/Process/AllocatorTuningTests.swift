import Testing

@testable import TandemEngine

@Suite struct AllocatorTuningTests {
    @Test(arguments: ["GLIBC_TUNABLES", "MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_"])
    func anOperatorsOwnTuningIsLeftAlone(variable: String) {
        #expect(AllocatorTuning.apply(environment: [variable: "1"]) == nil)
    }

    @Test func glibcIsTunedWithAFixedThresholdAndAnArenaPerCore() throws {
        #if canImport(Glibc)
            let tuned = try #require(AllocatorTuning.apply(environment: [:]))
            #expect(tuned.mmapThreshold == 4 << 20)
            #expect(tuned.arenas >= 2)
        #endif
    }
}
