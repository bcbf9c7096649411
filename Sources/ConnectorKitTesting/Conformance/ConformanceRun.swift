import ConnectorKit

/// One run of the conformance suite: the connector under test, the suite's model of its system, and the
/// failures found. The steps are in `ConformanceRun+Steps.swift`.
final class ConformanceRun {
    /// Thrown to stop the run when the system's state is no longer known.
    struct Abort: Error {}

    /// What the suite wrote to one object and expects a full import to show.
    struct Expectation {
        var attributes: Attributes
        /// The attributes the suite wrote; an attribute here but not in ``attributes`` must be absent.
        var written: Set<String>
        var distinguishedName: String?

        init(_ object: ConnectorObject) {
            attributes = object.attributes
            written = Set(object.attributes.keys)
            distinguishedName = object.distinguishedName
        }

        mutating func apply(_ changes: [AttributeChange]) {
            for change in changes {
                change.apply(to: &attributes)
                written.insert(change.attribute)
            }
        }
    }

    struct ImportResult {
        var items: [ImportBatch.Item]
        var watermark: Watermark?
    }

    let subject: ConnectorConformance.Subject
    var failures: [ConnectorConformance.Failure] = []
    /// The check running now, named in failures.
    var check = "setup"
    var connector: (any Connector)!
    var capabilities: ConnectorCapabilities!
    /// The connector space as the engine would hold it: every import applied in turn (delta imports when
    /// supported, else full imports).
    var space = InMemoryConnectorSpace()
    /// The watermark the next delta import starts from.
    var watermark: Watermark?
    /// The watermark of the latest full import.
    var fullImportWatermark: Watermark?
    var expected: [Anchor: Expectation] = [:]
    /// The anchors of the added templates, in template order.
    var anchors: [Anchor] = []

    init(_ subject: ConnectorConformance.Subject) {
        self.subject = subject
    }

    var type: ObjectType { subject.objectType }
    var supportsDelta: Bool { subject.features.contains(.deltaImport) }

    func fail(_ message: String) {
        failures.append(ConnectorConformance.Failure(check: check, message: message))
    }

    // MARK: Imports

    /// Runs one import against `model` (passed as the connector space, then updated with what the import
    /// returned) and checks the shape of its batches.
    func runImport(_ mode: ImportRequest.Mode, into model: inout InMemoryConnectorSpace) async throws(Abort)
        -> ImportResult
    {
        let isFull = mode == .full
        let kind = isFull ? "full import" : "delta import"
        var batches: [ImportBatch] = []
        do {
            for try await batch in connector.importObjects(ImportRequest(mode: mode, connectorSpace: model)) {
                batches.append(batch)
            }
        } catch {
            fail("the \(kind) threw \(error)")
            throw Abort()
        }
        guard let last = batches.last else {
            fail("the \(kind) returned no batch; it must return at least one, the last carrying the watermark")
            throw Abort()
        }
        if last.watermark == nil { fail("the final batch of the \(kind) carries no watermark") }
        if batches.dropLast().contains(where: \.isComplete) {
            fail("a batch before the last of the \(kind) sets isComplete; only the final batch may")
        }
        if isFull && !last.isComplete { fail("the final batch of the full import does not set isComplete") }
        if !isFull && last.isComplete {
            fail("the delta import sets isComplete, which makes the engine delete every object it did not return")
        }
        let items = batches.flatMap(\.items)
        validate(items, isFull: isFull)
        do {
            try model.apply(batches)
        } catch {
            fail("the \(kind) cannot be applied to the connector space: \(error)")
            throw Abort()
        }
        if isFull { fullImportWatermark = last.watermark }
        return ImportResult(items: items, watermark: last.watermark)
    }

    private func validate(_ items: [ImportBatch.Item], isFull: Bool) {
        var seen = Set<Anchor>()
        for item in items {
            let anchor: Anchor
            let objectType: ObjectType
            switch item {
            case .object(let object), .change(.add(let object)):
                (anchor, objectType) = (object.anchor, object.objectType)
            case .change(let change):
                (anchor, objectType) = (change.anchor, change.objectType)
                if isFull { fail("the full import returned a change to object \(anchor); it returns objects only") }
            }
            if !capabilities.objectTypes.contains(objectType) {
                fail("an import returned object \(anchor) of type '\(objectType)', which the capabilities do not list")
            }
            if isFull && !seen.insert(anchor).inserted {
                fail("the full import returned object \(anchor) more than once")
            }
        }
    }

    /// After an export: a delta import into ``space`` (or a full one without delta support), then a full import
    /// into a fresh model that must agree with ``space`` and show ``expected``. Returns the delta's items.
    @discardableResult
    func importAndVerify() async throws(Abort) -> [ImportBatch.Item] {
        var deltaItems: [ImportBatch.Item] = []
        if supportsDelta {
            guard let watermark else { throw Abort() }
            let delta = try await runImport(.delta(watermark), into: &space)
            self.watermark = delta.watermark
            deltaItems = delta.items
        }
        var truth = InMemoryConnectorSpace()
        let full = try await runImport(.full, into: &truth)
        if supportsDelta {
            for difference in differences(space, truth).prefix(5) {
                fail("after the delta import, \(difference) (the connector space differs from a full import)")
            }
        } else {
            space = truth
            watermark = full.watermark
        }
        verify(truth)
        return deltaItems
    }

    // MARK: Exports

    /// Exports `changes`, checking there is one result per change and that results keep the changes' anchors.
    func export(_ changes: [ObjectChange]) async throws(Abort) -> [ExportResult] {
        let results: [ExportResult]
        do {
            results = try await connector.export(changes)
        } catch {
            fail("export threw \(error)")
            throw Abort()
        }
        guard results.count == changes.count else {
            fail("export returned \(results.count) results for \(changes.count) changes; it must return one per change")
            throw Abort()
        }
        for (change, result) in zip(changes, results) {
            if case .applied(let anchor) = result, !anchor.rawValue.isEmpty, !change.anchor.rawValue.isEmpty,
                anchor != change.anchor
            {
                fail(
                    "the \(describe(change)) was applied as object \(anchor); the result must keep the change's anchor")
            }
        }
        return results
    }

    /// Exports changes that must all apply; stops the run if any fails.
    func exportApplied(_ changes: [ObjectChange]) async throws(Abort) {
        let results = try await export(changes)
        var failed = false
        for (change, result) in zip(changes, results) {
            if case .failed(let error) = result {
                fail("the \(describe(change)) failed: \(error)")
                failed = true
            }
        }
        if failed { throw Abort() }
        for change in changes {
            switch change {
            case .update(let anchor, _, let attributeChanges): expected[anchor]?.apply(attributeChanges)
            case .delete(let anchor, _): expected[anchor] = nil
            case .rename(let anchor, _, let name): expected[anchor]?.distinguishedName = name
            case .add: break
            }
        }
    }

    func describe(_ change: ObjectChange) -> String {
        switch change {
        case .add(let object): "add of object '\(object.anchor)'"
        case .update(let anchor, _, _): "update of object \(anchor)"
        case .delete(let anchor, _): "delete of object \(anchor)"
        case .rename(let anchor, _, _): "rename of object \(anchor)"
        }
    }
}
