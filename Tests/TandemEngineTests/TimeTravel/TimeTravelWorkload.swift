import ConnectorKit
import ConnectorKitTesting
import Foundation
import TandemJournal

@testable import TandemEngine

/// A seeded workload of HR changes and cycles over an HR source and a directory target, for the
/// checkpoint and restore tests: every cycle appends imports, decisions and exports.
struct TimeTravelWorkload {
    let harness: EngineHarness
    let hr: InMemoryConnector
    var random: SeededRandom
    var next = 13

    init(seed: UInt64, checkpointInterval: UInt64?, threshold: Int = 500) async throws {
        random = SeededRandom(seed: seed)
        hr = SyncScenarioTests.hr((1...12).map { SyncScenarioTests.employee($0) })
        harness = try await EngineHarness(
            configuration: scenarioConfiguration(
                connectors: ["hr", "directory"], inbound: [SyncScenarioTests.hrIn],
                outbound: [SyncScenarioTests.directoryOut], threshold: DeletionThreshold(count: threshold)),
            connectors: ["hr": hr, "directory": SyncScenarioTests.directory()],
            checkpointInterval: checkpointInterval)
        try await harness.cycle(initial: true)
    }

    /// One random change in HR, then a delta cycle.
    mutating func step() async throws {
        switch Int.random(in: 0..<6, using: &random) {
        case 0, 1:
            hr.apply(.add(SyncScenarioTests.employee(next)))
            next += 1
        case 2, 3:
            let anchor = Anchor("E\(Int.random(in: 1..<next, using: &random))")
            hr.apply(
                .update(
                    anchor: anchor, objectType: "person",
                    changes: [.replace("title", [.string("T\(Int.random(in: 0..<99, using: &random))")])]))
        case 4:
            let anchor = Anchor("E\(Int.random(in: 1..<next, using: &random))")
            hr.apply(
                .update(
                    anchor: anchor, objectType: "person",
                    changes: [.replace("status", [.string(Bool.random(using: &random) ? "active" : "terminated")])]))
        default:
            hr.apply(.delete(anchor: Anchor("E\(Int.random(in: 1..<next, using: &random))"), objectType: "person"))
        }
        try await harness.cycle()
    }

    var journalDirectory: String { harness.directory + "/journal" }

    /// The digest of a replay from seq 1 (no checkpoints) through `seq`.
    func digestFromScratch(through seq: UInt64) throws -> String {
        try EngineReplay.replay(directory: journalDirectory, through: seq).stateDigest
    }
}
