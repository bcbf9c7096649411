import ConnectorKit
import ConnectorKitTesting
import FileConnector
import Testing

@Suite struct FileConformanceTests {
    static let templates: [ConnectorObject] = [
        FileTesting.person(
            "E1",
            ["employeeId": [.string("E1")], "displayName": [.string("Ada Lovelace")], "phones": [.string("+44 1")]]),
        FileTesting.person(
            "",
            [
                "employeeId": [.string("E2")], "displayName": [.string("Hopper, Grace \"Amazing\"")],
                "phones": [.string("+1 2"), .string("+1 3")],
                "hired": [.date(microsecondsSince1970: 1_700_000_000_123_456)],
            ]),
        FileTesting.person(
            "",
            [
                "employeeId": [.string("E3")], "displayName": [.string("Édith\nPiaf")], "phones": [.string("+33 4")],
                "level": [.integer(-7)], "active": [.boolean(false)], "photo": [.binary([0, 1, 254, 255])],
            ]),
    ]

    @Test(arguments: ["hr.csv", "hr.jsonl"])
    func fileConnectorConforms(fileName: String) async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(fileName, "")
        let subject = ConnectorConformance.Subject(
            name: "file \(fileName)", objectType: "person", templates: Self.templates,
            singleValuedAttribute: "displayName", multiValuedAttribute: "phones", referenceAttribute: "manager"
        ) {
            try FileTesting.connector(
                path,
                [
                    "multiValued": ["phones": ";"], "references": ["manager": "person"],
                    "types": ["hired": "date", "level": "integer", "active": "boolean", "photo": "binary"],
                    "pageSize": 2,
                ])
        }
        let failures = await ConnectorConformance(subject).run()
        #expect(failures.isEmpty, "\(failures.map(\.description).joined(separator: "\n"))")
    }

    @Test func jsonLinesInfersIntegersAndBooleans() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.jsonl", "")
        let subject = ConnectorConformance.Subject(
            name: "file jsonl, inferred kinds", objectType: "person", templates: Self.templates,
            singleValuedAttribute: "displayName", multiValuedAttribute: "phones"
        ) {
            try FileTesting.connector(path, ["types": ["hired": "date", "photo": "binary"], "pageSize": 1])
        }
        let failures = await ConnectorConformance(subject).run()
        #expect(failures.isEmpty, "\(failures.map(\.description).joined(separator: "\n"))")
    }
}
