import ConnectorKit
import ConnectorKitTesting
import Testing

/// The conformance suite can fail: each deliberately broken connector is caught by the check it breaks.
@Suite struct BrokenConnectorTests {
    static let expectedChecks: [BrokenConnector.Defect: String] = [
        .forgetsDeletes: "delete",
        .deltaOmitsDeletes: "delete",
        .fullImportNotComplete: "empty full import",
        .deltaImportComplete: "add",
        .valueAddReplaces: "update",
        .unknownAnchorApplied: "errors",
        .failureAbortsBatch: "errors",
        .referencesAsStrings: "references",
        .noWatermark: "empty full import",
        .deltaRepeatsEverything: "delete",
        .wrongResultCount: "add",
        .failingTestConnection: "testConnection",
    ]

    @Test(arguments: BrokenConnector.Defect.allCases)
    func suiteCatchesDefect(_ defect: BrokenConnector.Defect) async throws {
        let subject = ConformanceSubjects.subject(
            name: "broken: \(defect)", features: [.deltaImport, .delete, .rename]
        ) {
            BrokenConnector(defect)
        }
        let failures = await ConnectorConformance(subject).run()
        let first = try #require(failures.first, "the suite passed a connector that \(defect)")
        #expect(first.check == Self.expectedChecks[defect], "\(failures)")
    }

    @Test func forgottenDeleteIsExplained() async {
        let subject = ConformanceSubjects.subject(name: "forgets deletes", features: [.deltaImport, .delete, .rename]) {
            BrokenConnector(.forgetsDeletes)
        }
        let failures = await ConnectorConformance(subject).run()
        #expect(
            failures.map(\.description).contains(
                "delete: a full import returns object mem-1, which the suite did not add or has deleted"))
    }
}
