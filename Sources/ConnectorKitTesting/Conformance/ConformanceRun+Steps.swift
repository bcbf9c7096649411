import ConnectorKit

extension ConformanceRun {
    static let missingAnchor = Anchor("tandem-conformance-missing")

    /// Runs every step; a step that leaves the system in an unknown state stops the run.
    func perform() async {
        do {
            try await start()
            try await importEmptySystem()
            try await add()
            try await update()
            if subject.referenceAttribute != nil { try await references() }
            if subject.features.contains(.delete) { try await delete() }
            if subject.features.contains(.rename) { try await rename() }
            try await errors()
            try await resume()
        } catch {
            // The failure that stopped the run is recorded.
        }
    }

    /// Makes the connector; checks the subject, `testConnection`, the capabilities and the schema.
    func start() async throws(Abort) {
        check = "subject"
        if subject.templates.count < 3 {
            fail("the subject needs at least 3 templates, it has \(subject.templates.count)")
        }
        if subject.templates.contains(where: { $0.objectType != type }) {
            fail("every template must be of the subject's type '\(type)'")
        }
        if subject.features.contains(.rename) && subject.newDistinguishedName == nil {
            fail("a subject with the rename feature must provide newDistinguishedName")
        }
        if !failures.isEmpty { throw Abort() }

        check = "testConnection"
        do {
            connector = try await subject.makeConnector()
        } catch {
            fail("making the connector threw \(error)")
            throw Abort()
        }
        capabilities = connector.capabilities
        do {
            try await connector.testConnection()
        } catch {
            fail("testConnection threw \(error)")
            throw Abort()
        }

        check = "capabilities"
        checkCapabilities()
        if !capabilities.exportOperations.isSuperset(of: [.add, .update]) {
            fail("the suite needs export of adds and updates")
            throw Abort()
        }

        check = "schema"
        do {
            let schema = try await connector.schema()
            for objectType in capabilities.objectTypes where schema.objectClass(objectType) == nil {
                fail("the schema has no object class for '\(objectType)', which the capabilities list")
            }
            if let reference = subject.referenceAttribute,
                let attribute = schema.objectClass(type)?.attribute(reference), attribute.kind != .reference
            {
                fail("the schema gives reference attribute '\(reference)' the kind \(attribute.kind.rawValue)")
            }
        } catch {
            fail("schema() threw \(error)")
        }
    }

    private func checkCapabilities() {
        if !capabilities.objectTypes.contains(type) { fail("the capabilities do not list object type '\(type)'") }
        if capabilities.supportsDeltaImport != supportsDelta {
            fail(
                "the capabilities say delta import is \(capabilities.supportsDeltaImport ? "" : "not ")supported; "
                    + "the subject says the opposite")
        }
        for (feature, operation) in [
            (ConnectorConformance.Features.delete, ConnectorCapabilities.ExportOperation.delete),
            (.rename, .rename),
        ]
        where subject.features.contains(feature) != capabilities.exportOperations.contains(operation) {
            fail("the capabilities and the subject disagree on whether export of \(operation.rawValue) is supported")
        }
        if let reference = subject.referenceAttribute, !capabilities.referenceAttributes.contains(reference) {
            fail("the capabilities do not list reference attribute '\(reference)'")
        }
        if capabilities.pageSize <= 0 { fail("the capabilities' page size is \(capabilities.pageSize)") }
    }

    /// A full import of the empty system returns no objects of the subject's type, and a watermark.
    func importEmptySystem() async throws(Abort) {
        check = "empty full import"
        let result = try await runImport(.full, into: &space)
        let count = space.objects.values.filter { $0.objectType == type }.count
        if count > 0 { fail("a full import of the empty system returned \(count) objects of type '\(type)'") }
        watermark = result.watermark
        if watermark == nil { throw Abort() }
    }

    /// Adds the templates: each is applied with an anchor, and imports show them with the values written.
    func add() async throws(Abort) {
        check = "add"
        let changes = subject.templates.map { ObjectChange.add($0) }
        let results = try await export(changes)
        for (index, (template, result)) in zip(subject.templates, results).enumerated() {
            switch result {
            case .failed(let error):
                fail("the add of template \(index) failed: \(error)")
            case .applied(let anchor) where anchor.rawValue.isEmpty:
                fail("the add of template \(index) was applied with an empty anchor")
            case .applied(let anchor):
                if !template.anchor.rawValue.isEmpty && anchor != template.anchor {
                    fail("the add of template \(index) with anchor \(template.anchor) was applied as \(anchor)")
                }
                anchors.append(anchor)
                var object = template
                object.anchor = anchor
                expected[anchor] = Expectation(object)
            }
        }
        if Set(anchors).count != anchors.count { fail("two adds were given the same anchor: \(anchors)") }
        if !failures.isEmpty { throw Abort() }
        try await importAndVerify()
    }

    /// Value-level updates: replace a single value; add and remove values; replace values with nothing.
    func update() async throws(Abort) {
        check = "update"
        var changes: [ObjectChange] = [
            .update(
                anchor: anchors[0], objectType: type,
                changes: [.replace(subject.singleValuedAttribute, [.string("tandem-conformance-replaced")])])
        ]
        if let multi = subject.multiValuedAttribute {
            var valueChanges: [AttributeChange] = [
                .add(multi, [.string("tandem-conformance-added-1"), .string("tandem-conformance-added-2")])
            ]
            if let first = subject.templates[1].attributes[multi]?.first {
                valueChanges.append(.remove(multi, [first]))
            }
            changes.append(.update(anchor: anchors[1], objectType: type, changes: valueChanges))
            changes.append(.update(anchor: anchors[2], objectType: type, changes: [.replace(multi, [])]))
        }
        let before = expected.mapValues(\.attributes)
        try await exportApplied(changes)
        let items = try await importAndVerify()
        if supportsDelta {
            let reported = Set(items.map(\.anchor))
            for change in changes
            where !reported.contains(change.anchor) && before[change.anchor] != expected[change.anchor]?.attributes {
                fail("the delta import after the \(describe(change)) does not report it")
            }
        }
    }

    /// References are written and imported as `.reference(anchor)` values.
    func references() async throws(Abort) {
        check = "references"
        guard let reference = subject.referenceAttribute else { return }
        try await exportApplied([
            .update(anchor: anchors[2], objectType: type, changes: [.replace(reference, [.reference(anchors[0])])]),
            .update(anchor: anchors[1], objectType: type, changes: [.replace(reference, [.reference(anchors[2])])]),
        ])
        try await importAndVerify()
    }

    /// A deleted object is reported by a delta import and missing from a full import.
    func delete() async throws(Abort) {
        check = "delete"
        let change = ObjectChange.delete(anchor: anchors[1], objectType: type)
        try await exportApplied([change])
        let items = try await importAndVerify()
        if supportsDelta && !items.contains(.change(change)) {
            fail("the delta import after the \(describe(change)) does not report it as a delete")
        }
    }

    /// A renamed object keeps its anchor and imports with its new name.
    func rename() async throws(Abort) {
        check = "rename"
        guard let name = subject.newDistinguishedName, let object = space.objects[anchors[0]] else { return }
        try await exportApplied([.rename(anchor: anchors[0], objectType: type, newDistinguishedName: name(object))])
        try await importAndVerify()
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
