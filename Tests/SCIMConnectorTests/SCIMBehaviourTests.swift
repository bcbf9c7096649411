import ConnectorKit
import Testing

@testable import SCIMConnector

/// What the conformance suite does not cover, against a real scim2-server: paging past the service's 1000
/// limit, the delta modes, groups, value-level PATCH, ETags, uniqueness and refused tokens.
@Suite struct SCIMBehaviourTests {
    @Test func fullImportPagesPastTheServiceLimit() async throws {
        try await withSCIMServer { server in
            let connector = try server.connector()
            let adds = (0..<1234).map { index in
                ObjectChange.add(
                    ConnectorObject(
                        anchor: "", objectType: "User",
                        attributes: ["userName": [.string("user\(index)")], "employeeNumber": [.string("\(index)")]]))
            }
            let results = try await connector.export(adds)
            var created = Set<Anchor>()
            for result in results {
                guard case .applied(let anchor) = result else { throw TestFailure("add failed: \(result)") }
                created.insert(anchor)
            }
            #expect(created.count == 1234)
            var batches = 0
            var seen: [Anchor] = []
            for try await batch in connector.importObjects(ImportRequest(mode: .full, connectorSpace: EmptySpace())) {
                batches += 1
                for case .object(let object) in batch.items { seen.append(object.anchor) }
            }
            #expect(seen.count == 1234, "no object is returned twice")
            #expect(Set(seen) == created)
            #expect(batches >= 3, "two pages of at most 1000 and the final batch")
            #expect(seen == seen.sorted(), "pages are sorted by id, so they neither skip nor repeat")
        }
    }

    @Test func deltaImportFiltersByLastModifiedAndListsToFindDeletes() async throws {
        try await withSCIMServer { server in
            let logs = LogCollector()
            let connector = try server.connector(["fullImportInterval": "24h"], logger: logs.logger)
            let ids = [
                try await server.createUser("kept"), try await server.createUser("changed"),
                try await server.createUser("deleted"),
            ]
            var space = SpaceModel()
            let full = try await space.apply(connector.importObjects(ImportRequest(mode: .full, connectorSpace: space)))
            #expect(space.objects.count == 3)

            try await server.send(
                .PATCH, "/Users/\(ids[1])",
                SCIMTestServer.patchBody([.object(["op": "replace", "path": "title", "value": "Chief"])]))
            try await server.send(.DELETE, "/Users/\(ids[2])")
            let newID = try await server.createUser("hired")

            let delta = try await space.apply(
                connector.importObjects(ImportRequest(mode: .delta(full.watermark!), connectorSpace: space)))
            #expect(Set(delta.items.map(\.anchor)) == [Anchor(ids[1]), Anchor(newID)])
            #expect(space.objects[Anchor(ids[1])]?["title"] == .string("Chief"))
            #expect(space.objects[Anchor(ids[2])] != nil, "a lastModified filter cannot see deletes")
            #expect(logs.all.contains { $0.text.contains("delta import by meta.lastModified gt") })

            // Once fullImportInterval has passed (here: a connector with an interval of zero), a delta import
            // lists everything and reports the delete.
            let listing = try server.connector(["fullImportInterval": "0"], logger: logs.logger)
            let sweep = try await space.apply(
                listing.importObjects(ImportRequest(mode: .delta(delta.watermark!), connectorSpace: space)))
            #expect(sweep.items == [.change(.delete(anchor: Anchor(ids[2]), objectType: "User"))])
            #expect(space.objects[Anchor(ids[2])] == nil)
            #expect(logs.all.contains { $0.text.contains("delta import by full listing") })

            // Nothing changed since: both modes return nothing.
            for mode in [connector, listing] {
                let quiet = try await space.apply(
                    mode.importObjects(ImportRequest(mode: .delta(sweep.watermark!), connectorSpace: space)))
                #expect(quiet.items.isEmpty)
            }
        }
    }

    @Test func groupMembersAndManagersAreReferencesBySCIMId() async throws {
        try await withSCIMServer { server in
            let connector = try server.connector()
            let people = try await connector.export(
                ["ada", "grace", "edith"].map {
                    .add(ConnectorObject(anchor: "", objectType: "User", attributes: ["userName": [.string($0)]]))
                }
            ).map { result -> Anchor in
                guard case .applied(let anchor) = result else { throw TestFailure("\(result)") }
                return anchor
            }
            let results = try await connector.export([
                .add(
                    ConnectorObject(
                        anchor: "", objectType: "Group",
                        attributes: [
                            "displayName": [.string("Engineers")],
                            "members": [
                                .reference(people[0]), .reference(people[1]), .reference("~provisional:cloud:mv:9"),
                            ],
                        ])),
                .update(anchor: people[1], objectType: "User", changes: [.replace("manager", [.reference(people[0])])]),
            ])
            guard case .applied(let group) = results[0] else { throw TestFailure("\(results[0])") }
            #expect(results[1] == .applied(anchor: people[1]))

            // Membership changes member by member.
            let patched = try await connector.export([
                .update(
                    anchor: group, objectType: "Group",
                    changes: [.add("members", [.reference(people[2])]), .remove("members", [.reference(people[0])])])
            ])
            #expect(patched == [.applied(anchor: group)])

            // On the server itself: ids, and the provisional reference was not sent.
            let members = try await server.get("/Groups/\(group.rawValue)")["members"]?.arrayValue ?? []
            #expect(Set(members.compactMap { $0["value"]?.stringValue }) == [people[1].rawValue, people[2].rawValue])
            let grace = try await server.get("/Users/\(people[1].rawValue)")
            #expect(grace[SCIMSchema.enterpriseUser]?["manager"]?["value"]?.stringValue == people[0].rawValue)

            let objects = try await fullImport(connector)
            #expect(
                Set(objects[group]?.attributes["members"] ?? []) == [.reference(people[1]), .reference(people[2])])
            #expect(objects[people[1]]?.attributes["manager"] == [.reference(people[0])])
        }
    }

    @Test func patchChangesValuesNotWholeAttributes() async throws {
        try await withSCIMServer { server in
            let connector = try server.connector()
            let id = try await server.createUser(
                "ada",
                extra: ["emails": .array([.object(["value": "a@one.example"]), .object(["value": "a@two.example"])])])
            // Someone else adds an address after Tandem computed its change.
            try await server.send(
                .PATCH, "/Users/\(id)",
                SCIMTestServer.patchBody([
                    .object(["op": "add", "path": "emails", "value": .array([.object(["value": "a@other.example"])])])
                ]))
            let results = try await connector.export([
                .update(
                    anchor: Anchor(id), objectType: "User",
                    changes: [
                        .add("emails", [.string("a@three.example")]), .remove("emails", [.string("a@one.example")]),
                    ])
            ])
            #expect(results == [.applied(anchor: Anchor(id))])
            let emails = try await server.get("/Users/\(id)")["emails"]?.arrayValue ?? []
            #expect(
                Set(emails.compactMap { $0["value"]?.stringValue })
                    == ["a@two.example", "a@other.example", "a@three.example"])
        }
    }

    @Test func staleETagFailsTheChangeWithConflict() async throws {
        try await withSCIMServer { server in
            let connector = try server.connector()
            let ada = try await server.createUser("ada")
            let bob = try await server.createUser("bob")
            _ = try await fullImport(connector)  // Tandem has seen both versions
            try await server.send(
                .PATCH, "/Users/\(ada)",
                SCIMTestServer.patchBody([.object(["op": "replace", "path": "title", "value": "Set elsewhere"])]))

            let results = try await connector.export([
                .update(
                    anchor: Anchor(ada), objectType: "User", changes: [.replace("title", [.string("From Tandem")])]),
                .update(
                    anchor: Anchor(bob), objectType: "User", changes: [.replace("title", [.string("From Tandem")])]),
            ])
            guard case .failed(let error) = results[0] else { throw TestFailure("\(results[0])") }
            #expect(error.code == .conflict)
            #expect(error.systemCode == "HTTP 412")
            #expect(error.anchor == Anchor(ada))
            #expect(results[1] == .applied(anchor: Anchor(bob)))
            #expect(try await server.get("/Users/\(ada)")["title"]?.stringValue == "Set elsewhere")

            // After an import brings the change in, the update goes through.
            _ = try await fullImport(connector)
            let retried = try await connector.export([
                .update(anchor: Anchor(ada), objectType: "User", changes: [.replace("title", [.string("From Tandem")])])
            ])
            #expect(retried == [.applied(anchor: Anchor(ada))])
        }
    }

    @Test func duplicateUserNameFailsThatObjectOnly() async throws {
        try await withSCIMServer { server in
            let connector = try server.connector()
            _ = try await server.createUser("taken")
            let results = try await connector.export(
                ["first", "taken", "last"].map {
                    .add(ConnectorObject(anchor: "", objectType: "User", attributes: ["userName": [.string($0)]]))
                })
            guard case .applied = results[0], case .failed(let error) = results[1], case .applied = results[2] else {
                throw TestFailure("\(results)")
            }
            #expect(error.code == .conflict)
            #expect(error.code.isPerObject)
            #expect(error.systemCode == "HTTP 409 uniqueness")
            #expect(
                error.message
                    == "SCIM User (new) was not written: a unique value (such as userName) is already used by another resource"
            )
            #expect(try await server.get("/Users?count=0")["totalResults"]?.integerValue == 3)
        }
    }

    @Test func refusedTokenStopsTheRunWithoutRevealingIt() async throws {
        try await withSCIMServer { server in
            let logs = LogCollector()
            let wrong = "wrong-secret-\(server.token)"
            let connector = try server.connector(token: wrong, logger: logs.logger)
            var thrown: [ConnectorError] = []
            do {
                _ = try await fullImport(connector)
            } catch let error as ConnectorError {
                thrown.append(error)
            }
            do {
                _ = try await connector.export([.delete(anchor: "x", objectType: "User")])
            } catch let error as ConnectorError {
                thrown.append(error)
            }
            #expect(thrown.count == 2)
            for error in thrown {
                #expect(error.code == .authentication)
                #expect(!"\(error)".contains(wrong))
                #expect(
                    error.message
                        == "SCIM service at \(server.url) refused the bearer token (HTTP 401) for GET /ResourceTypes; "
                        + "check the token that tokenEnv or tokenFile names and its permissions")
            }
            #expect(!logs.all.contains { $0.text.contains(wrong) })
        }
    }
}

/// A connector-space model for delta tests: imports applied the way the engine applies them.
struct SpaceModel: ConnectorSpaceView {
    var objects: [Anchor: ConnectorObject] = [:]

    func anchors() -> [Anchor] { objects.keys.sorted() }
    func object(_ anchor: Anchor) -> ConnectorObject? { objects[anchor] }

    struct Result {
        var items: [ImportBatch.Item]
        var watermark: Watermark?
    }

    mutating func apply(_ stream: AsyncThrowingStream<ImportBatch, any Error>) async throws -> Result {
        var result = Result(items: [])
        var returned = Set<Anchor>()
        var complete = false
        for try await batch in stream {
            result.items += batch.items
            result.watermark = batch.watermark ?? result.watermark
            complete = complete || batch.isComplete
            for item in batch.items {
                switch item {
                case .object(let object):
                    objects[object.anchor] = object
                    returned.insert(object.anchor)
                case .change(.delete(let anchor, _)):
                    objects[anchor] = nil
                case .change(let change):
                    throw TestFailure("unexpected change \(change)")
                }
            }
        }
        if complete { objects = objects.filter { returned.contains($0.key) } }
        return result
    }
}

extension ImportBatch.Item {
    var anchor: Anchor {
        switch self {
        case .object(let object): object.anchor
        case .change(let change): change.anchor
        }
    }
}
