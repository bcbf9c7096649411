import ConnectorKit
import FileConnector
import Foundation
import Testing

@Suite struct FileExportTests {
    static let csv = "employeeId,displayName,phones\r\n\"E1\",\"Ada\",+44 1\r\nE2,Grace,\r\nE3,Edith,+33 4;+33 5\r\n"

    @Test func exportLeavesNoTemporaryFilesAndKeepsUnchangedRowsByteForByte() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.csv", Self.csv)
        let connector = try FileTesting.connector(path, ["multiValued": ["phones": ";"]])
        let results = try await connector.export([
            .update(anchor: "E2", objectType: "person", changes: [.add("phones", [.string("+1 2"), .string("+1 3")])]),
            .delete(anchor: "E3", objectType: "person"),
            .add(FileTesting.person("", ["employeeId": [.string("E4")], "displayName": [.string("Hopper, \"G\"")]])),
        ])
        #expect(results == [.applied(anchor: "E2"), .applied(anchor: "E3"), .applied(anchor: "E4")])
        #expect(
            try directory.read("hr.csv")
                == "employeeId,displayName,phones\r\n\"E1\",\"Ada\",+44 1\r\nE2,Grace,+1 2;+1 3\r\nE4,\"Hopper, \"\"G\"\"\",\r\n"
        )
        #expect(try directory.entries() == ["hr.csv"])
    }

    @Test func newAttributesBecomeNewColumns() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.csv", "employeeId,displayName\nE1,Ada\nE3,Edith\n")
        let connector = try FileTesting.connector(path)
        let results = try await connector.export([
            .update(anchor: "E1", objectType: "person", changes: [.replace("mail", [.string("ada@example.org")])]),
            .add(FileTesting.person("E2", ["title": [.string("Admiral")], "displayName": [.string("Grace")]])),
        ])
        #expect(results == [.applied(anchor: "E1"), .applied(anchor: "E2")])
        #expect(
            try directory.read("hr.csv")
                == "employeeId,displayName,mail,title\nE1,Ada,ada@example.org,\nE3,Edith,,\nE2,Grace,,Admiral\n")
    }

    @Test func newFileGetsTheDeclaredColumnOrder() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.csv", "")
        let connector = try FileTesting.connector(path, ["attributes": ["surname", "givenName"]])
        _ = try await connector.export([
            .add(
                FileTesting.person(
                    "E1", ["givenName": [.string("Ada")], "surname": [.string("Lovelace")], "a": [.string("x")]]))
        ])
        #expect(try directory.read("hr.csv") == "employeeId,surname,givenName,a\nE1,Lovelace,Ada,x\n")
    }

    @Test func perObjectFailuresLeaveTheOtherChangesApplied() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.csv", Self.csv)
        let connector = try FileTesting.connector(
            path, ["multiValued": ["phones": ";"], "types": ["level": "integer"]])
        let changes: [ObjectChange] = [
            .add(FileTesting.person("", ["displayName": [.string("No anchor")]])),
            .add(FileTesting.person("E1", ["displayName": [.string("Again")]])),
            .update(anchor: "E9", objectType: "person", changes: [.replace("displayName", [.string("x")])]),
            .delete(anchor: "E9", objectType: "person"),
            .update(anchor: "E1", objectType: "person", changes: [.replace("employeeId", [.string("E100")])]),
            .update(anchor: "E1", objectType: "person", changes: [.add("phones", [.string("+1;2")])]),
            .update(anchor: "E1", objectType: "person", changes: [.add("displayName", [.string("Second")])]),
            .update(anchor: "E1", objectType: "person", changes: [.replace("displayName", [.integer(1)])]),
            .update(anchor: "E1", objectType: "person", changes: [.replace("level", [.string("high")])]),
            .update(anchor: "E1", objectType: "person", changes: [.replace("displayName", [.string("")])]),
            .add(ConnectorObject(anchor: "G1", objectType: "group")),
            .rename(anchor: "E1", objectType: "person", newDistinguishedName: "cn=x"),
            .update(anchor: "E2", objectType: "person", changes: [.replace("displayName", [.string("Grace H.")])]),
        ]
        let results = try await connector.export(changes)
        let outcomes = results.map { result -> String in
            switch result {
            case .applied(let anchor): "applied \(anchor)"
            case .failed(let error): "\(error.code) \(error.anchor?.rawValue ?? "-"): \(error.message)"
            }
        }
        #expect(
            outcomes == [
                "schema -: the add has no anchor and no single value for anchor attribute 'employeeId'",
                "conflict E1: a row with this anchor already exists",
                "notFound E9: no row has this anchor",
                "notFound E9: no row has this anchor",
                "constraint E1: attribute 'employeeId' holds the anchor and cannot change",
                "schema E1: a value of attribute 'phones' contains its separator ';'",
                "schema E1: attribute 'displayName' is single-valued in this file; declare a separator under multiValued",
                "schema E1: attribute 'displayName' holds string values in this file, not integer; declare its kind under types or references",
                "schema E1: attribute 'level' holds integer values in this file, not string; declare its kind under types or references",
                "schema E1: attribute 'displayName' cannot hold an empty string in a CSV file",
                "schema G1: object type 'group' is not stored in this file; it holds 'person'",
                "unsupported E1: a file has no distinguished names, so objects cannot be renamed",
                "applied E2",
            ])
        #expect(try directory.read("hr.csv") == Self.csv.replacingOccurrences(of: "E2,Grace,", with: "E2,Grace H.,"))
    }

    @Test func malformedRowFailsOnlyTheUpdateOfIt() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.csv", "employeeId,level\nE1,1\nE2,two\n")
        let connector = try FileTesting.connector(path, ["types": ["level": "integer"]])
        let results = try await connector.export([
            .update(anchor: "E2", objectType: "person", changes: [.replace("level", [.integer(2)])]),
            .update(anchor: "E1", objectType: "person", changes: [.replace("level", [.integer(3)])]),
        ])
        #expect(
            results == [
                .failed(
                    ConnectorError(.schema, "\(path):3: the value in column 'level' is not an integer", anchor: "E2")),
                .applied(anchor: "E1"),
            ])
        #expect(try directory.read("hr.csv") == "employeeId,level\nE1,3\nE2,two\n")
    }

    @Test func nothingAppliedMeansNothingWritten() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.csv", Self.csv)
        let before = try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int
        let results = try await FileTesting.connector(path).export([.delete(anchor: "E9", objectType: "person")])
        #expect(results.count == 1)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int == before)
    }

    @Test func addTakesItsAnchorAttributeFromTheAnchor() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.jsonl", "")
        let connector = try FileTesting.connector(path, ["types": ["employeeId": "integer"]])
        let results = try await connector.export([
            .add(FileTesting.person("42", ["displayName": [.string("Ada")]])),
            .add(FileTesting.person("x", ["displayName": [.string("Grace")]])),
        ])
        #expect(results[0] == .applied(anchor: "42"))
        guard case .failed(let error) = results[1] else { Issue.record("an integer anchor 'x' was accepted"); return }
        #expect(error.message == "the anchor is not an integer")
        #expect(try directory.read("hr.jsonl") == "{\"employeeId\":42,\"displayName\":\"Ada\"}\n")
        #expect(try await FileTesting.objects(connector).map(\.anchor) == ["42"])
    }

    @Test func exportKeepsTheFilePermissions() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.csv", Self.csv)
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: path)
        _ = try await FileTesting.connector(path).export([.delete(anchor: "E1", objectType: "person")])
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o640)
    }

    @Test func readOnlyRefusesExports() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.csv", Self.csv)
        let connector = try FileTesting.connector(path, ["readOnly": true])
        #expect(connector.capabilities.exportOperations.isEmpty)
        await #expect(throws: ConnectorError(.unsupported, "connectors.hr is read-only (readOnly: true)")) {
            try await connector.export([.delete(anchor: "E1", objectType: "person")])
        }
    }

    @Test func missingFileIsAClearError() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("absent.csv")
        let connector = try FileTesting.connector(path)
        let expected = ConnectorError(
            .invalidConfiguration,
            "cannot open \(path): No such file or directory; create the file (an empty file is an empty system) or correct the path"
        )
        #expect(await FileTesting.importError(connector) == expected)
        await #expect(throws: expected) { try await connector.testConnection() }
        await #expect(throws: expected) { try await connector.export([]) }
    }
}
