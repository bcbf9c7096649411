import ConnectorKit
import ConnectorKitTesting
import Testing

@testable import TandemEngine

/// An import is all or nothing: a connection lost after some pages leaves the connector space,
/// its watermark and the journal's view of it exactly as they were, and the next run succeeds.
@Suite struct ImportAtomicityTests {
    static func hr(_ count: Int) -> InMemoryConnector {
        InMemoryConnector(
            options: .init(objectTypes: ["person"], pageSize: 10),
            objects: (1...count).map { person("E\($0)", ["employeeId": "E\($0)", "title": "Engineer"]) })
    }

    @Test(arguments: [RunProfile.fullImport, .deltaImport])
    func anImportThatFailsMidStreamChangesNothing(profile: RunProfile) async throws {
        let hr = Self.hr(35)
        let harness = try await EngineHarness(
            configuration: scenarioConfiguration(connectors: ["hr"], inbound: [], outbound: []),
            connectors: ["hr": hr])
        let first = try await harness.run(.fullImport, "hr")
        #expect(first.status == .success)
        let before = await harness.state

        // Changes on every page, then the connection drops after the second of four pages.
        for n in 1...35 {
            hr.apply(
                .update(anchor: Anchor("E\(n)"), objectType: "person", changes: [.replace("title", [.string("Lead")])]))
        }
        hr.apply(.add(person("E99", ["employeeId": "E99", "title": "Intern"])))
        hr.failNextImport(with: ConnectorError(.transient, "connection reset by peer"), afterBatches: 2)
        let failed = try await harness.run(profile, "hr")
        #expect(failed.status == .stoppedConnectorError)
        let after = await harness.state
        #expect(after.space("hr") == before.space("hr"), "the failed import must not change the connector space")
        #expect(after.metaverse == before.metaverse)

        // The next run brings everything in.
        let retried = try await harness.run(profile, "hr")
        #expect(retried.status == .success)
        let space = await harness.state.space("hr")
        #expect(space.objects.count == 36)
        #expect(space.objects.values.allSatisfy { $0.attributes["title"] != [.string("Engineer")] })
        #expect(try harness.replayedDigest() == (await harness.state).stateDigest)
        await harness.close()
    }
}
