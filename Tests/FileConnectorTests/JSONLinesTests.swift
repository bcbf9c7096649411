import ConnectorKit
import FileConnector
import Testing

@Suite struct JSONLinesTests {
    @Test func valuesOfEveryKind() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(
            "hr.jsonl",
            #"""
            {"employeeId": "E1", "name": "Ren\u00e9e \"R\" \ud83d\ude00\n/\/", "level": 42, "ratio": 1.5e3, "big": 123456789012345678901, "active": true, "gone": null, "phones": ["1", "2"], "none": [], "manager": "E2", "hired": "2026-11-25"}

              {"employeeId":7}   
            """#.replacingOccurrences(of: "\n", with: "\r\n"))
        let connector = try FileTesting.connector(
            path, ["references": ["manager": "person"], "types": ["hired": "date"]])
        let objects = try await FileTesting.objects(connector)
        #expect(
            objects == [
                FileTesting.person(
                    "E1",
                    [
                        "employeeId": [.string("E1")], "name": [.string("Renée \"R\" 😀\n//")], "level": [.integer(42)],
                        "ratio": [.string("1.5e3")], "big": [.string("123456789012345678901")],
                        "active": [.boolean(true)], "phones": [.string("1"), .string("2")],
                        "manager": [.reference("E2")],
                        "hired": [.date(microsecondsSince1970: ISO8601.parse("2026-11-25")!)],
                    ]),
                FileTesting.person("7", ["employeeId": [.integer(7)]]),
            ])
    }

    static let errorCases: [(String, String)] = [
        (
            "{\"employeeId\":\"E1\"}\n{\"name\":\"x\"}\n",
            "2: the object has no value for 'employeeId', the anchor; every line needs one"
        ),
        (
            "{\"employeeId\":\"E1\"}\n\n{\"employeeId\":\"E1\"}\n",
            "3: anchor already used on line 1; every row needs its own anchor"
        ),
        ("{\"employeeId\":\"E1\",\"a\":{\"b\":1}}\n", "1: column 24: nested objects and arrays are not supported"),
        ("{\"employeeId\":\"E1\",\"a\":1,\"a\":2}\n", "1: member 'a' appears twice"),
        ("{\"employeeId\":\"E1\"} {}\n", "1: column 21: text follows the object; put one object on each line"),
        ("[1,2]\n", "1: column 1: a line must hold one JSON object"),
        ("{\"employeeId\":\"E1\",\"a\":01}\n", "1: column 24: malformed number: leading zero"),
        ("{\"employeeId\":\"E1\",\"a\":\"x\ty\"}\n", "1: column 26: a control character in a string must be escaped"),
        ("{\"employeeId\":[\"E1\"]}\n", "1: member 'employeeId' is the anchor and must hold one value, not an array"),
        (
            "{\"employeeId\":\"E1\",\"hired\":\"soon\"}\n",
            "1: the value of member 'hired' is not an ISO 8601 date (2026-11-25 or 2026-11-25T13:45:00Z)"
        ),
    ]

    @Test(arguments: 0..<errorCases.count)
    func malformedLinesFailWithFileAndLine(_ index: Int) async throws {
        let (text, message) = Self.errorCases[index]
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.jsonl", text)
        let error = try #require(
            await FileTesting.importError(FileTesting.connector(path, ["types": ["hired": "date"]])))
        #expect(error.message == "\(path):\(message)")
    }

    @Test func exportWritesEscapedJSONAndReadsItBack() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.jsonl", "{ \"employeeId\" : \"E1\" }\n")
        let connector = try FileTesting.connector(path, ["multiValued": ["tags"]])
        let written = FileTesting.person(
            "E2",
            [
                "employeeId": [.string("E2")], "name": [.string("quote \" backslash \\ tab \t bell \u{7} é")],
                "tags": [.string("one")], "level": [.integer(-3)], "active": [.boolean(false)],
            ])
        #expect(try await connector.export([.add(written)]) == [.applied(anchor: "E2")])
        #expect(
            try directory.read("hr.jsonl")
                == "{ \"employeeId\" : \"E1\" }\n"
                + #"{"employeeId":"E2","active":false,"level":-3,"name":"quote \" backslash \\ tab \t bell \u0007 é","tags":["one"]}"#
                + "\n")
        #expect(try await FileTesting.objects(connector).last == written)
    }
}
