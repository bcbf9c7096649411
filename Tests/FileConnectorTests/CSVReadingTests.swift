import ConnectorKit
import FileConnector
import Testing

@Suite struct CSVReadingTests {
    @Test func quotedFieldsEmbeddedNewlinesAndCRLF() async throws {
        let directory = try TemporaryDirectory()
        let text =
            "\u{FEFF}employeeId,displayName,note\r\n"
            + "E1,\"Lovelace, Ada\",\"She said \"\"hello\"\"\"\r\n"
            + "E2,\"two\r\nlines\",\"\"\r\n"
            + "E3,5'10\" tall,plain"
        let path = try directory.write("hr.csv", text)
        let objects = try await FileTesting.objects(FileTesting.connector(path))
        #expect(
            objects == [
                FileTesting.person(
                    "E1",
                    [
                        "employeeId": [.string("E1")], "displayName": [.string("Lovelace, Ada")],
                        "note": [.string("She said \"hello\"")],
                    ]),
                FileTesting.person("E2", ["employeeId": [.string("E2")], "displayName": [.string("two\r\nlines")]]),
                FileTesting.person(
                    "E3",
                    [
                        "employeeId": [.string("E3")], "displayName": [.string("5'10\" tall")],
                        "note": [.string("plain")],
                    ]
                ),
            ])
    }

    @Test func multiValuedReferencesAndTypedColumns() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(
            "hr.csv",
            """
            employeeId,phones,manager,hired,level,active,photo
            E1,+1 555;+1 556;;+1 557,E2,2026-11-25,42,true,AAH+/w==
            E2,,,2026-11-25T13:45:00.5+01:00,-1,FALSE,

            """)
        let connector = try FileTesting.connector(
            path,
            [
                "multiValued": ["phones": ";"], "references": ["manager": "person"],
                "types": ["hired": "date", "level": "integer", "active": "boolean", "photo": "binary"],
            ])
        let objects = try await FileTesting.objects(connector)
        #expect(objects.count == 2)
        #expect(objects[0].attributes["phones"] == [.string("+1 555"), .string("+1 556"), .string("+1 557")])
        #expect(objects[0]["manager"] == .reference("E2"))
        #expect(objects[0]["hired"] == .date(microsecondsSince1970: ISO8601.parse("2026-11-25T00:00:00Z")!))
        #expect(objects[0]["level"] == .integer(42))
        #expect(objects[0]["active"] == .boolean(true))
        #expect(objects[0]["photo"] == .binary([0, 1, 254, 255]))
        #expect(objects[1]["hired"] == .date(microsecondsSince1970: ISO8601.parse("2026-11-25T12:45:00.5Z")!))
        #expect(objects[1]["active"] == .boolean(false))
        #expect(objects[1].attributes.keys.sorted() == ["active", "employeeId", "hired", "level"])
    }

    @Test func otherDelimiterAndBlankLines() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.txt", "employeeId;displayName\n\nE1;Ada, Countess\n\n\nE2;\"x;y\"\n")
        let objects = try await FileTesting.objects(FileTesting.connector(path, ["format": "csv", "delimiter": ";"]))
        #expect(objects.map { $0["displayName"] } == [.string("Ada, Countess"), .string("x;y")])
    }

    @Test func emptyFileAndHeaderOnlyAreEmptySystems() async throws {
        let directory = try TemporaryDirectory()
        for text in ["", "employeeId,displayName\n", "\u{FEFF}"] {
            let path = try directory.write("hr.csv", text)
            let batches = try await FileTesting.batches(FileTesting.connector(path))
            #expect(batches.count == 1)
            #expect(batches[0].items.isEmpty && batches[0].isComplete && batches[0].watermark != nil)
        }
    }

    static let errorCases: [(String, ConnectorError.Code, String)] = [
        (
            "employeeId,name\nE1,Ada\n,Grace\n", .schema,
            "3: the row has no value in column 'employeeId', the anchor; every row needs one"
        ),
        (
            "employeeId,name\nE1,Ada\n\nE2,Grace\nE1,Edith\n", .conflict,
            "5: anchor already used on line 2; every row needs its own anchor"
        ),
        ("employeeId,name\nE1,Ada\nE2\n", .protocolViolation, "3: the row has 1 fields; the header has 2"),
        ("employeeId,name\nE1,Ada,x\n", .protocolViolation, "2: the row has 3 fields; the header has 2"),
        (
            "employeeId,name\nE1,\"Ada\nE2,Grace\n", .protocolViolation,
            "2: a quoted field is not closed; add the closing quote"
        ),
        (
            "employeeId,name\nE1,\"two\nlines\"x\n", .protocolViolation,
            "3: a closing quote is followed by text; double quotes inside a quoted field"
        ),
        ("id,name\nE1,Ada\n", .schema, "1: the header has no column 'employeeId', the anchor"),
        ("employeeId,name,name\n", .schema, "1: the header names column 'name' twice"),
        ("employeeId,,x\n", .schema, "1: column 2 of the header has no name"),
        ("employeeId,level\nE1,12\nE2,twelve\n", .schema, "3: the value in column 'level' is not an integer"),
        (
            "employeeId,hired\nE1,2026-02-30\n", .schema,
            "2: the value in column 'hired' is not an ISO 8601 date (2026-11-25 or 2026-11-25T13:45:00Z)"
        ),
        (
            "employeeId,photo\nE1,AAEC/w==\nE2,AA=A\n", .schema,
            "3: the value in column 'photo' is not standard base64: it has padding '=' before its end, at offset 2"
        ),
    ]

    @Test(arguments: 0..<errorCases.count)
    func malformedFilesFailWithFileAndLine(_ index: Int) async throws {
        let (text, code, message) = Self.errorCases[index]
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.csv", text)
        let connector = try FileTesting.connector(
            path, ["types": ["level": "integer", "hired": "date", "photo": "binary"]])
        let error = try #require(await FileTesting.importError(connector))
        #expect(error.code == code)
        #expect(error.message == "\(path):\(message)")
    }

    @Test func duplicateAnchorNamesTheAnchor() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.csv", "employeeId\nE1\nE1\n")
        let error = try #require(await FileTesting.importError(FileTesting.connector(path)))
        #expect(error.anchor == "E1")
    }

    @Test func invalidUTF8IsAnErrorNotAReplacement() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(
            "hr.csv", bytes: Array("employeeId,name\nE1,Ren".utf8) + [0xE9] + Array("\n".utf8))
        let error = try #require(await FileTesting.importError(FileTesting.connector(path)))
        #expect(error.message == "\(path):2: the text is not valid UTF-8; save the file as UTF-8")
    }

    @Test func errorsNeverShowValues() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("hr.csv", "employeeId,salary\nE1,secret-salary\n")
        let error = try #require(
            await FileTesting.importError(FileTesting.connector(path, ["types": ["salary": "integer"]])))
        #expect(!error.description.contains("secret-salary"))
    }
}
