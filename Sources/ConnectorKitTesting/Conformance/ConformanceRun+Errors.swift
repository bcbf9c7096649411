import ConnectorKit

extension ConformanceRun {
    /// Changes of unknown anchors fail with `notFound`, a repeated add with `conflict`, and the other changes
    /// of the same export call still apply.
    func errors() async throws(Abort) {
        check = "errors"
        let single = subject.singleValuedAttribute
        let good = ObjectChange.update(
            anchor: anchors[0], objectType: type,
            changes: [.replace(single, [.string("tandem-conformance-after-errors")])])
        var changes: [ObjectChange] = [
            .update(anchor: Self.missingAnchor, objectType: type, changes: [.replace(single, [.string("x")])]),
            good,
        ]
        var wanted: [ConnectorError.Code?] = [.notFound, nil]
        if subject.features.contains(.delete) {
            changes.append(.delete(anchor: Self.missingAnchor, objectType: type))
            wanted.append(.notFound)
        }
        if !subject.templates[0].anchor.rawValue.isEmpty {
            changes.append(.add(subject.templates[0]))
            wanted.append(.conflict)
        }
        let results = try await export(changes)
        for (change, (result, code)) in zip(changes, zip(results, wanted)) {
            switch (result, code) {
            case (.applied, nil):
                break
            case (.failed(let error), let code?) where error.code == code:
                break
            case (.failed(let error), nil):
                fail("the \(describe(change)) failed (\(error)) beside changes that failed; it must apply")
                throw Abort()
            case (_, let code?):
                fail("the \(describe(change)) returned \(result); expected failed(\(code))")
            }
        }
        if case .update(_, _, let attributeChanges) = good { expected[anchors[0]]?.apply(attributeChanges) }
        try await importAndVerify()
    }

    /// A delta import from the latest watermark, with nothing changed, returns no items and a watermark; so does
    /// one from the watermark it returned, and one from the latest full import's.
    func resume() async throws(Abort) {
        check = "watermark resume"
        guard supportsDelta, let start = watermark, let afterFull = fullImportWatermark else { return }
        for (from, description) in [(start, "the latest delta import"), (afterFull, "the latest full import")] {
            let first = try await runImport(.delta(from), into: &space)
            if !first.items.isEmpty {
                fail(
                    "a delta import from the watermark of \(description), with nothing changed, returned \(first.items.count) items"
                )
            }
            guard let next = first.watermark else { continue }
            let second = try await runImport(.delta(next), into: &space)
            if !second.items.isEmpty {
                fail("a second delta import with nothing changed returned \(second.items.count) items")
            }
        }
    }
}
