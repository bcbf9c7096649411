import Testing

@testable import TandemEngine

@Suite struct AllocatorTuningTests {
    @Test(arguments: ["GLIBC_TUNABLES", "MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_"])
    func anOperatorsOwnTuningIsLeftAlone(variable: String) {
        #expect(AllocatorTuning.apply(environment: [variable: "1"]) == nil)
    }

    @Test func glibcIsTunedWithAFixedThreshold() throws {
        #if canImport(Glibc)
            #expect(AllocatorTuning.apply(environment: [:]) == 4 << 20)
        #endif
    }
}
