import ConnectorKit
import ConnectorKitTesting

/// Subjects for running the conformance suite on in-memory connectors.
enum ConformanceSubjects {
    static let templates: [ConnectorObject] = [
        ConnectorObject(
            anchor: "E1", objectType: "person",
            attributes: ["displayName": [.string("Ada Lovelace")], "phones": [.string("+44 1")]]),
        ConnectorObject(
            anchor: "", objectType: "person",
            attributes: [
                "displayName": [.string("Grace Hopper")], "phones": [.string("+1 2"), .string("+1 3")],
                "startDate": [.date(microsecondsSince1970: 1_700_000_000_000_000)],
            ]),
        ConnectorObject(
            anchor: "", objectType: "person",
            attributes: [
                "displayName": [.string("Édith Piaf, \"la Môme\"")], "phones": [.string("+33 4")],
                "level": [.integer(7)], "active": [.boolean(true)], "photo": [.binary([0, 1, 254, 255])],
            ]),
    ]

    static func inMemory(_ options: InMemoryConnector.Options, name: String = "in-memory")
        -> ConnectorConformance.Subject
    {
        var features: ConnectorConformance.Features = []
        if options.supportsDeltaImport { features.insert(.deltaImport) }
        if options.exportOperations.contains(.delete) { features.insert(.delete) }
        if options.exportOperations.contains(.rename) { features.insert(.rename) }
        return subject(name: name, features: features) { InMemoryConnector(options: options) }
    }

    static func subject(
        name: String, features: ConnectorConformance.Features,
        makeConnector: @escaping @Sendable () async throws -> any Connector
    ) -> ConnectorConformance.Subject {
        ConnectorConformance.Subject(
            name: name, objectType: "person", templates: templates, singleValuedAttribute: "displayName",
            multiValuedAttribute: "phones", referenceAttribute: "manager", features: features,
            newDistinguishedName: { "cn=renamed-\($0.anchor),ou=people" }, makeConnector: makeConnector)
    }
}
