import ConnectorKit
import FileConnector
import Testing

@Suite struct FileConnectorConfigurationTests {
    static let cases: [([String: ConfigurationValue], String)] = [
        (
            ["multivalued": ["phones": ";"]],
            "connectors.hr.multivalued: unknown setting for a file connector; known: anchor, attributes, delimiter, exportPageSize, format, multiValued, objectType, pageSize, path, readOnly, references, types"
        ),
        (["format": "xml"], "connectors.hr.format: unknown format 'xml'; use csv or jsonl"),
        (
            ["path": "/data/hr.txt"],
            "connectors.hr.path: cannot tell the format from the file's extension; set format: csv or jsonl"
        ),
        (
            ["types": ["level": "float"]],
            "connectors.hr.types: unknown type 'float'; use string, integer, boolean, date or binary (references go under references)"
        ),
        (
            ["multiValued": ["employeeId": ";"]],
            "connectors.hr.anchor: the anchor attribute must be single-valued and not a reference"
        ),
        (
            ["delimiter": "\""],
            "connectors.hr.delimiter: expected one ASCII character other than a quote or a line break"
        ),
        (["pageSize": 0], "connectors.hr.pageSize: expected a positive number"),
        (["exportPageSize": 100_001], "connectors.hr.exportPageSize: expected a number from 1 to 100000"),
        (
            ["multiValued": ["phones"]],
            "connectors.hr.multiValued: attribute 'phones' needs a non-empty separator in a CSV file"
        ),
        (
            ["references": ["manager": "person"], "types": ["manager": "string"]],
            "connectors.hr.types: attribute 'manager' is a reference; list it under references only"
        ),
    ]

    @Test(arguments: 0..<cases.count)
    func invalidSettingsNameTheSetting(_ index: Int) throws {
        let (settings, message) = Self.cases[index]
        #expect(throws: ConnectorError(.invalidConfiguration, message)) {
            try FileTesting.connector("/data/hr.csv", settings)
        }
    }

    @Test func requiredSettings() throws {
        var configuration = FileTesting.configuration("/data/hr.csv")
        configuration.settings["anchor"] = nil
        configuration.lines = ["anchor": 12]
        #expect(
            throws: ConnectorError(.invalidConfiguration, "connectors.hr.anchor (line 12): required setting is missing")
        ) {
            try FileConnector(configuration: configuration)
        }
    }

    @Test func factoryRegistersAsFile() throws {
        let registry = ConnectorRegistry([FileConnectorFactory()])
        #expect(registry.typeNames == ["file"])
        let connector = try registry.makeConnector(
            FileTesting.configuration("hr.jsonl", ["references": ["manager": "person"]]))
        #expect(
            connector.capabilities
                == ConnectorCapabilities(
                    objectTypes: ["person"], supportsDeltaImport: true, exportOperations: [.add, .update, .delete],
                    referenceAttributes: ["manager"], pageSize: 50_000))
    }

    @Test func schemaListsColumnsAndDeclaredAttributes() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.csv", "employeeId,name,manager\nE1,Ada,E2\n")
        let connector = try FileTesting.connector(
            path, ["references": ["manager": "person"], "multiValued": ["phones": ";"], "types": ["hired": "date"]])
        let schema = try await connector.schema()
        let objectClass = try #require(schema.objectClass("person"))
        #expect(objectClass.anchorAttribute == "employeeId")
        #expect(
            objectClass.attributes == [
                .init("employeeId", required: true), .init("hired", kind: .date),
                .init("manager", kind: .reference, referencedTypes: ["person"]), .init("name"),
                .init("phones", multiValued: true),
            ])
    }
}
