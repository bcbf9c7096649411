import ConnectorKit
import ConnectorKitTesting
import Testing

@Suite struct InMemoryConnectorTests {
    func person(_ anchor: Anchor, _ attributes: Attributes = [:]) -> ConnectorObject {
        ConnectorObject(anchor: anchor, objectType: "person", attributes: attributes)
    }

    func items(_ connector: InMemoryConnector, _ mode: ImportRequest.Mode) async throws -> [ImportBatch.Item] {
        var items: [ImportBatch.Item] = []
        for try await batch in connector.importObjects(
            ImportRequest(mode: mode, connectorSpace: InMemoryConnectorSpace()))
        {
            items += batch.items
        }
        return items
    }

    @Test func anchorsForAddsFollowTheDocumentedRule() async throws {
        let connector = InMemoryConnector(options: .init(anchorAttribute: "id"))
        let results = try await connector.export([
            .add(person("E1")),
            .add(person("", ["id": [.string("from-attribute")]])),
            .add(person("")),
            .add(person("E2", ["id": [.string("other")]])),
            .add(person("E1")),
        ])
        #expect(
            results.prefix(3) == [
                .applied(anchor: "E1"), .applied(anchor: "from-attribute"), .applied(anchor: "mem-1"),
            ])
        #expect(
            results[3] == .failed(ConnectorError(.schema, "attribute 'id' must hold the object's anchor", anchor: "E2"))
        )
        #expect(
            results[4] == .failed(ConnectorError(.conflict, "an object with this anchor already exists", anchor: "E1")))
        #expect(connector.object("mem-1")?.attributes == ["id": [.string("mem-1")]])
    }

    @Test func uniqueAttributesReferencesAndUnknownAnchors() async throws {
        let connector = InMemoryConnector(
            options: .init(uniqueAttributes: ["mail"], referenceAttributes: ["manager"], checksReferences: true),
            objects: [person("E1", ["mail": [.string("a@example.org")]])])
        let results = try await connector.export([
            .add(person("E2", ["mail": [.string("a@example.org")]])),
            .add(person("E3", ["manager": [.reference("E9")]])),
            .update(anchor: "E9", objectType: "person", changes: []),
            .delete(anchor: "E1", objectType: "group"),
            .add(person("E4", ["manager": [.reference("E1")], "mail": [.string("b@example.org")]])),
        ])
        #expect(
            results.map { result -> ConnectorError.Code? in
                if case .failed(let error) = result { return error.code }
                return nil
            } == [
                .conflict, .constraint, .notFound, .notFound, nil,
            ])
        #expect(connector.objects.map(\.anchor) == ["E1", "E4"])
    }

    @Test func deltaStylesReportTheSameChangesDifferently() async throws {
        for style in [InMemoryConnector.DeltaStyle.changes, .objects] {
            let connector = InMemoryConnector(options: .init(deltaStyle: style), objects: [person("E1"), person("E2")])
            let watermark = connector.watermark
            #expect(watermark == Watermark("mem:2"))
            connector.apply(.update(anchor: "E1", objectType: "person", changes: [.replace("a", [.string("x")])]))
            connector.apply(.update(anchor: "E1", objectType: "person", changes: [.add("a", [.string("y")])]))
            connector.apply(.delete(anchor: "E2", objectType: "person"))
            let delta = try await items(connector, .delta(watermark))
            switch style {
            case .changes:
                #expect(
                    delta == [
                        .change(.update(anchor: "E1", objectType: "person", changes: [.replace("a", [.string("x")])])),
                        .change(.update(anchor: "E1", objectType: "person", changes: [.add("a", [.string("y")])])),
                        .change(.delete(anchor: "E2", objectType: "person")),
                    ])
            case .objects:
                #expect(
                    delta == [
                        .object(person("E1", ["a": [.string("x"), .string("y")]])),
                        .change(.delete(anchor: "E2", objectType: "person")),
                    ])
            }
        }
    }

    @Test func foreignWatermarksAndUnsupportedOperationsFail() async throws {
        let connector = InMemoryConnector(options: .init(exportOperations: [.add]))
        await #expect(
            throws: ConnectorError(.unsupported, "watermark 'mem:5' was not issued by this system; run a full import")
        ) {
            _ = try await items(connector, .delta(Watermark("mem:5")))
        }
        let results = try await connector.export([.delete(anchor: "E1", objectType: "person")])
        #expect(
            results == [.failed(ConnectorError(.unsupported, "this system does not support delete", anchor: "E1"))])
    }

    @Test func faultsFireOnceAndInOrder() async throws {
        let connector = InMemoryConnector(objects: [person("E1")])
        let busy = ConnectorError(.transient, "busy")
        connector.failNextExport(of: "E1", with: busy)
        let change = ObjectChange.update(anchor: "E1", objectType: "person", changes: [.replace("a", [.string("x")])])
        #expect(try await connector.export([change, change]) == [.failed(busy), .applied(anchor: "E1")])
        #expect(connector.exportCalls == [[change, change]])

        connector.failNextExportCall(with: busy)
        await #expect(throws: busy) { try await connector.export([change]) }
        #expect(try await connector.export([change]) == [.applied(anchor: "E1")])

        connector.failTestConnection(with: busy)
        await #expect(throws: busy) { try await connector.testConnection() }
        connector.failTestConnection(with: nil)
        try await connector.testConnection()

        connector.failNextImport(with: busy)
        await #expect(throws: busy) { _ = try await items(connector, .full) }
        #expect(try await items(connector, .full).count == 1)
    }

    @Test func importFaultAfterBatchesYieldsThemFirst() async throws {
        let connector = InMemoryConnector(
            options: .init(pageSize: 1), objects: [person("E1"), person("E2"), person("E3")])
        connector.failNextImport(with: ConnectorError(.transient, "lost"), afterBatches: 2)
        var received = 0
        do {
            for try await _ in connector.importObjects(
                ImportRequest(mode: .full, connectorSpace: InMemoryConnectorSpace()))
            {
                received += 1
            }
            Issue.record("the import did not fail")
        } catch {
            #expect(error as? ConnectorError == ConnectorError(.transient, "lost"))
        }
        #expect(received == 2)
    }

    @Test func connectorSpaceAppliesImportsAsTheEngineDoes() throws {
        var space = InMemoryConnectorSpace([person("E1"), person("E2"), person("E3")])
        try space.apply([
            ImportBatch(items: [.object(person("E1", ["a": [.string("x")]]))]),
            ImportBatch(items: [.change(.add(person("E4")))], watermark: Watermark("w"), isComplete: true),
        ])
        #expect(space.anchors() == ["E1", "E4"])
        #expect(throws: ConnectorError.self) {
            try space.apply(.change(.update(anchor: "E9", objectType: "person", changes: [])))
        }
        try space.apply(.change(.rename(anchor: "E1", objectType: "person", newDistinguishedName: "cn=E1")))
        #expect(space.object("E1")?.distinguishedName == "cn=E1")
    }
}
