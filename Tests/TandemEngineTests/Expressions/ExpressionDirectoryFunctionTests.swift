import ConnectorKit
import TandemEngine
import Testing

@Suite struct ExpressionDirectoryFunctionTests {
    @Test(
        arguments: [
            ("DNComponent([dn], 1)", .text("Ada Lovelace")),
            ("DNComponent([dn], 2)", .text("people")),
            ("DNComponent([dn], 5)", .null),
            ("DNComponentRev([dn], 1)", .text("org")),
            ("DNComponentRev([dn], 4)", .text("Ada Lovelace")),
            (#"DNComponent("cn=Smith\\, John,ou=x", 1)"#, .text("Smith, John")),
            (#"DNComponent("cn=a\\2Cb\\2c,ou=x", 1)"#, .text("a,b,")),
            (#"DNComponent("cn=\\20lead\\20 ,ou=x", 1)"#, .text(" lead ")),
            (#"DNComponent("ou=a, dc=b", 2)"#, .text("b")),
            (#"DNComponent("OU = a , DC = b", 1)"#, .text("a")),
            (#"DNComponent("cn=a+sn=b,dc=x", 1)"#, .text("a")),
            (#"DNComponent("cn=a+sn=b,dc=x", 2)"#, .text("x")),
            (#"DNComponent("cn=Zoë Ñúñez,dc=x", 1)"#, .text("Zoë Ñúñez")),
            (#"DNComponent("cn=Zo\\C3\\AB,dc=x", 1)"#, .text("Zoë")),
            (#"DNComponent("cn=#04024869,dc=x", 1)"#, .text("#04024869")),
            (#"DNComponent("", 1)"#, .null),
            (#"DNComponent(Split("cn=a,dc=x|cn=b", "|"), 2)"#, .text("x")),
            ("DNComponent([nickname], 1)", .null),
        ] as [(String, ExpressionResult)])
    func dnComponent(_ source: String, _ expected: ExpressionResult) throws {
        #expect(try ExpressionFixtures.evaluate(source) == expected)
    }

    @Test(arguments: [
        ("Smith, John", #"Smith\, John"#),
        ("a+b=c", #"a\+b\=c"#),
        (" lead", #"\ lead"#),
        ("trail ", #"trail\ "#),
        (" ", #"\ "#),
        ("#1", ##"\#1"##),
        ("a#b", "a#b"),
        (#"x"y<z>;"#, #"x\"y\<z\>\;"#),
        (#"back\slash"#, #"back\\slash"#),
        ("Zoë Ñúñez", "Zoë Ñúñez"),
        ("a\u{0}b", #"a\00b"#),
        ("plain", "plain"),
    ])
    func escapeDNComponent(_ value: String, _ escaped: String) throws {
        let attributes: Attributes = ["value": [.string(value)]]
        #expect(try ExpressionFixtures.evaluate("EscapeDNComponent([value])", attributes) == .text(escaped))
        // Escaping and DNComponent round-trip.
        let roundTrip = #"DNComponent("cn=" & EscapeDNComponent([value]) & ",dc=example", 1)"#
        #expect(try ExpressionFixtures.evaluate(roundTrip, attributes) == .text(value))
    }

    @Test(
        arguments: [
            ("EscapeDNComponent([nickname])", .null),
            (#"EscapeDNComponent("")"#, .null),
            ("EscapeDNComponent([phones])", .text(#"\+44 1"#, #"\+44 2"#, #"\+44 1"#)),
            ("StringFromGuid([objectGUID])", .text("00112233-4455-6677-8899-aabbccddeeff")),
            ("StringFromGuid([nickname])", .null),
            (#"ConvertToBase64("Hello world!")"#, .text("SGVsbG8gd29ybGQh")),
            (#"ConvertToBase64("a")"#, .text("YQ==")),
            (#"ConvertToBase64("ab")"#, .text("YWI=")),
            (#"ConvertToBase64("Ünïcødé ✓")"#, .text("w5xuw69jw7hkw6kg4pyT")),
            (#"ConvertToBase64("")"#, .null),
            ("ConvertToBase64([objectGUID])", .text("MyIRAFVEd2aImaq7zN3u/w==")),
            ("ConvertToBase64([age])", .text("MzY=")),
        ] as [(String, ExpressionResult)])
    func escapingGuidsAndBase64(_ source: String, _ expected: ExpressionResult) throws {
        #expect(try ExpressionFixtures.evaluate(source) == expected)
    }

    @Test(
        arguments: [
            (#"FormatDateTime("20240102030405.0Z", "yyyyMMddHHmmss.fZ", "yyyy-MM-dd")"#, .text("2024-01-02")),
            (#"FormatDateTime([hired], "dd/MM/yyyy HH:mm:ss.fff")"#, .text("01/06/2015 09:30:15.250")),
            (#"FormatDateTime([hired], "yyyyMMddHHmmss.0Z")"#, .text("20150601093015.0Z")),
            (#"FormatDateTime([hired], "")"#, .text("2015-06-01T09:30:15.250000Z")),
            (#"FormatDateTime("2024-02-29", "", "dd.MM.yyyy")"#, .text("29.02.2024")),
            (
                #"FormatDateTime("2024-03-05T10:20:30.123456+01:00", "yyyy-MM-dd'T'HH:mm:ss.ffffffZ")"#,
                .text("2024-03-05T09:20:30.123456Z")
            ),
            (#"FormatDateTime("05/03/2024", "dd/MM/yyyy", "")"#, .text("2024-03-05T00:00:00Z")),
            (#"FormatDateTime("13:45", "HH:mm", "yyyy-MM-dd HH:mm")"#, .text("1970-01-01 13:45")),
            (#"FormatDateTime([hired], "'Year' yyyy, \\d\\a\\y dd")"#, .text("Year 2015, day 01")),
            (#"FormatDateTime([dates], "yyyy-MM-dd HH")"#, .text("2015-06-01 09", "1843-07-10 12")),
            (#"FormatDateTime([hired], "", [outputFormat])"#, .text("2015")),
            (#"FormatDateTime([nickname], "yyyy")"#, .null),
            (#"FormatDateTime([hired], [nickname])"#, .null),
        ] as [(String, ExpressionResult)])
    func formatDateTime(_ source: String, _ expected: ExpressionResult) throws {
        var attributes = ExpressionFixtures.person
        attributes["outputFormat"] = [.string("yyyy")]
        #expect(try ExpressionFixtures.evaluate(source, attributes) == expected)
    }
}
