import ConnectorKit
import ConnectorKitTesting
import Testing

@testable import SCIMConnector

/// The ConnectorKit conformance suite against a real scim2-server: users (with the enterprise extension and
/// `manager` references) written by PATCH and by PUT, and groups with `members` references.
@Suite struct SCIMConformanceTests {
    static func user(_ attributes: Attributes) -> ConnectorObject {
        ConnectorObject(anchor: "", objectType: "User", attributes: attributes)
    }

    static let users: [ConnectorObject] = [
        user([
            "userName": [.string("ada.lovelace")], "title": [.string("Analyst")], "name.givenName": [.string("Ada")],
            "name.familyName": [.string("Lovelace")], "active": [.boolean(true)],
            "employeeNumber": [.string("E1")], "department": [.string("R&D \"Engines\"")],
        ]),
        user([
            "userName": [.string("grace.hopper")], "displayName": [.string("Grace Hopper")],
            "emails": [.string("grace@example.org"), .string("g.hopper@example.org")], "active": [.boolean(false)],
        ]),
        user([
            "userName": [.string("édith.piaf")], "emails": [.string("edith@example.fr")],
            "phoneNumbers": [.string("+33 1 23 45 67 89")], "costCenter": [.string("CC-7")],
        ]),
    ]

    @Test(arguments: ["auto", "never"])
    func usersConform(patch: String) async throws {
        try await withSCIMServer { server in
            let subject = ConnectorConformance.Subject(
                name: "scim users (patch: \(patch))", objectType: "User", templates: Self.users,
                singleValuedAttribute: "title", multiValuedAttribute: "emails", referenceAttribute: "manager"
            ) {
                try server.connector(["fullImportInterval": "0", "patch": .string(patch), "pageSize": 2])
            }
            let failures = await ConnectorConformance(subject).run()
            #expect(failures.isEmpty, "\(failures.map(\.description).joined(separator: "\n"))")
        }
    }

    @Test func groupsConform() async throws {
        try await withSCIMServer { server in
            let templates = ["Engineering", "Finance", "Everyone"].map {
                ConnectorObject(anchor: "", objectType: "Group", attributes: ["displayName": [.string($0)]])
            }
            let subject = ConnectorConformance.Subject(
                name: "scim groups", objectType: "Group", templates: templates, singleValuedAttribute: "externalId",
                referenceAttribute: "members"
            ) {
                try server.connector(["fullImportInterval": "0", "objectTypes": .list(["Group"])])
            }
            let failures = await ConnectorConformance(subject).run()
            #expect(failures.isEmpty, "\(failures.map(\.description).joined(separator: "\n"))")
        }
    }
}
