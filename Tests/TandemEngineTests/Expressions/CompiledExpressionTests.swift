import ConnectorKit
import TandemEngine
import Testing

@Suite struct CompiledExpressionTests {
    @Test(
        arguments: [
            (
                #"IIF(IsPresent([nickname]), [nickname], Trim([givenName] & " " & [surname]))"#,
                ["nickname", "givenName", "surname"]
            ),
            (#""constant""#, []),
            ("[ spaced name ]", ["spaced name"]),
            ("Lower([userCertificate;binary]) & [mail] & [mail]", ["userCertificate;binary", "mail"]),
            (#"FormatDateTime([whenCreated], "", [format])"#, ["whenCreated", "format"]),
        ] as [(String, Set<String>)])
    func referencedAttributes(_ source: String, _ expected: Set<String>) throws {
        let expression = try CompiledExpression(parsing: source, rule: "r", attribute: "a")
        #expect(expression.referencedAttributes == expected)
    }

    @Test func keepsItsSourceRuleAndAttribute() throws {
        let expression = try CompiledExpression(parsing: "Lower([mail])", rule: "HR in", attribute: "mail")
        #expect(expression.source == "Lower([mail])")
        #expect(expression.rule == "HR in")
        #expect(expression.attribute == "mail")
        #expect(expression.description == "Lower([mail])")
    }

    @Test func readsAttributesThroughAClosure() throws {
        let expression = try CompiledExpression(parsing: #"[givenName] & " " & [surname]"#, rule: "r", attribute: "a")
        var asked: [String] = []
        let result = try expression.evaluate { name in
            asked.append(name)
            return ExpressionFixtures.person[name] ?? []
        }
        #expect(result == .text("Ada Lovelace"))
        #expect(asked == ["givenName", "surname"])
    }

    @Test func onlyTheChosenBranchIsRead() throws {
        let expression = try CompiledExpression(parsing: "IIF(True, [a], [b])", rule: "r", attribute: "a")
        var asked: [String] = []
        _ = try expression.evaluate { name in
            asked.append(name)
            return []
        }
        #expect(asked == ["a"])
    }

    static let everyFunction = [
        #"Trim([padded]) & Lower([mail]) & Upper([givenName]) & PCase("ada LOVELACE")"#,
        #"Left([surname], 4) & Right([surname], 4) & Mid([surname], 2, 3) & Len([surname])"#,
        #"Replace([mail], "@", " at ") & Join("/", [phones]) & Item(Split([mail], "."), 2) & Count([phones])"#,
        #"IIF(IsPresent([nickname]), "a", "b") & IsNullOrEmpty([empty]) & Coalesce([nickname], [givenName])"#,
        #"CStr([age]) & CNum("12") & CBool("true") & FormatDateTime([hired], "yyyy-MM-dd HH:mm:ss.fff")"#,
        #"DNComponent([dn], 1) & EscapeDNComponent("a,b") & ConvertToBase64([givenName])"#,
        #"Join(";", RemoveDuplicates([phones])) & Contains([phones], "2") & StringFromGuid([objectGUID])"#,
        #"Lower("ÀÉÎ İ Σ ß") & Upper("àéî ı σ ß") & PCase("élodie o'neil-smith")"#,
    ]

    @Test func evaluationIsDeterministic() async throws {
        let expressions = try Self.everyFunction.map { try CompiledExpression(parsing: $0, rule: "r", attribute: "a") }
        let serial = try expressions.map { try $0.evaluate(ExpressionFixtures.person) }
        // The same compiled expressions, evaluated many times and from many tasks at once.
        let concurrent = try await withThrowingTaskGroup(of: [ExpressionResult].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var last: [ExpressionResult] = []
                    for _ in 0..<50 { last = try expressions.map { try $0.evaluate(ExpressionFixtures.person) } }
                    return last
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(concurrent.count == 8)
        for results in concurrent { #expect(results == serial) }
        // Pinned, so a change of Unicode tables or of an implementation shows up here.
        #expect(serial[0] == .text("Adaada.lovelace@example.orgADAAda Lovelace"))
        #expect(serial[4] == .text("3612true2015-06-01 09:30:15.250"))
        #expect(serial[6] == .text("+44 1;+44 2200112233-4455-6677-8899-aabbccddeeff"))
        #expect(serial[7] == .text("àéî i\u{307} σ ßÀÉÎ I Σ SSÉlodie O'neil-Smith"))
    }

    @Test func conformsToTheSyncFlowExpression() throws {
        let flow = try ExpressionLanguage.flowCompiler("Lower([mail])", "HR in", "mail")
        #expect(flow.referencedAttributes == ["mail"])
        #expect(
            try flow.evaluateFlow { ExpressionFixtures.person[$0] ?? [] }
                == .values([.string("ada.lovelace@example.org")]))
        let null = try ExpressionLanguage.flowCompiler("AuthoritativeNull", "HR in", "mail")
        #expect(try null.evaluateFlow { _ in [] } == .authoritativeNull)
        #expect(throws: ExpressionParseError.self) { try ExpressionLanguage.flowCompiler("Lower(", "HR in", "mail") }
    }
}
