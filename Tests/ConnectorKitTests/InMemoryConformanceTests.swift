import ConnectorKit
import ConnectorKitTesting
import Testing

@Suite struct InMemoryConformanceTests {
    static let variants: [(String, InMemoryConnector.Options)] = [
        ("change log", InMemoryConnector.Options(referenceAttributes: ["manager"], pageSize: 2)),
        (
            "object deltas",
            InMemoryConnector.Options(referenceAttributes: ["manager"], deltaStyle: .objects, pageSize: 1)
        ),
        (
            "anchor attribute, unique names",
            InMemoryConnector.Options(
                anchorAttribute: "id", uniqueAttributes: ["displayName"], referenceAttributes: ["manager"],
                checksReferences: true)
        ),
        (
            "full import only, no rename",
            InMemoryConnector.Options(
                referenceAttributes: ["manager"], supportsDeltaImport: false,
                exportOperations: [.add, .update, .delete])
        ),
        (
            "adds and updates only",
            InMemoryConnector.Options(referenceAttributes: ["manager"], exportOperations: [.add, .update])
        ),
    ]

    @Test(arguments: variants.map(\.0))
    func inMemoryConnectorConforms(variant: String) async {
        let options = Self.variants.first { $0.0 == variant }!.1
        let failures = await ConnectorConformance(ConformanceSubjects.inMemory(options, name: variant)).run()
        #expect(failures.isEmpty, "\(failures.map(\.description).joined(separator: "\n"))")
    }

    @Test func subjectWithTooFewTemplatesIsReported() async {
        var subject = ConformanceSubjects.inMemory(InMemoryConnector.Options(referenceAttributes: ["manager"]))
        subject.templates = Array(subject.templates.prefix(2))
        let failures = await ConnectorConformance(subject).run()
        #expect(failures == [.init(check: "subject", message: "the subject needs at least 3 templates, it has 2")])
    }
}
