import ConnectorKit

extension ConformanceRun {
    /// Checks that `truth` (a full import) holds exactly the expected objects of the subject's type, with the
    /// values the suite wrote.
    func verify(_ truth: InMemoryConnectorSpace) {
        let actual = Set(truth.objects.values.filter { $0.objectType == type }.map(\.anchor))
        let wanted = Set(expected.keys)
        for anchor in wanted.subtracting(actual).sorted() {
            fail("a full import does not return object \(anchor)")
        }
        for anchor in actual.subtracting(wanted).sorted() {
            fail("a full import returns object \(anchor), which the suite did not add or has deleted")
        }
        for anchor in wanted.intersection(actual).sorted() {
            let object = truth.objects[anchor]!
            let expectation = expected[anchor]!
            for name in expectation.written.sorted() {
                let want = expectation.attributes[name] ?? []
                let got = object.attributes[name] ?? []
                if !Self.sameValues(want, got) {
                    fail(
                        "object \(anchor): attribute '\(name)' imports as \(Self.render(got)); expected \(Self.render(want))"
                    )
                }
            }
            if let name = expectation.distinguishedName, object.distinguishedName != name {
                fail("object \(anchor): its name imports as \(object.distinguishedName ?? "nil"); expected \(name)")
            }
        }
    }

    /// How `model` (kept by delta imports) differs from `truth` (a full import), one sentence per difference.
    func differences(_ model: InMemoryConnectorSpace, _ truth: InMemoryConnectorSpace) -> [String] {
        var sentences: [String] = []
        for anchor in Set(model.objects.keys).union(truth.objects.keys).sorted() {
            switch (model.objects[anchor], truth.objects[anchor]) {
            case (nil, _?):
                sentences.append("object \(anchor) is missing")
            case (_?, nil):
                sentences.append("object \(anchor) is still held although the system no longer has it")
            case (let held?, let current?):
                if held.objectType != current.objectType || held.distinguishedName != current.distinguishedName {
                    sentences.append("object \(anchor) has a stale type or name")
                }
                for name in Set(held.attributes.keys).union(current.attributes.keys).sorted() {
                    let heldValues = held.attributes[name] ?? []
                    let currentValues = current.attributes[name] ?? []
                    if !Self.sameValues(heldValues, currentValues) {
                        sentences.append(
                            "object \(anchor): attribute '\(name)' is \(Self.render(heldValues)); "
                                + "a full import shows \(Self.render(currentValues))")
                    }
                }
            case (nil, nil):
                break
            }
        }
        return sentences
    }

    /// Whether two value lists hold the same values, in any order.
    static func sameValues(_ a: [AttributeValue], _ b: [AttributeValue]) -> Bool {
        a == b || a.sorted() == b.sorted()
    }

    /// Values with their kinds, for messages: `[string:Ada, reference:E1]`.
    static func render(_ values: [AttributeValue]) -> String {
        "[" + values.map { "\($0.kind.rawValue):\($0.text)" }.joined(separator: ", ") + "]"
    }
}
