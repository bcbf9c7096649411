import ConnectorKit

/// The state of an in-memory connected system: its objects, its change log and the faults armed by a
/// test. Pure logic; ``InMemoryConnector`` guards it with a mutex.
struct InMemorySystem: Sendable {
    static let watermarkPrefix = "mem:"

    let options: InMemoryConnector.Options
    private(set) var objects: [Anchor: ConnectorObject] = [:]
    /// The anchor of each distinguished name held, so names stay unique without a scan.
    private var names: [String: Anchor] = [:]
    /// The holder of each value of a unique attribute, so uniqueness is checked without a scan.
    private var uniqueValues: [UniqueValue: Anchor] = [:]

    struct UniqueValue: Hashable {
        var objectType: ObjectType
        var attribute: String
        var value: AttributeValue
    }
    /// Every change applied, in order; the change at index `i` has sequence number `i + 1`.
    private(set) var log: [ObjectChange] = []
    private var generatedAnchorCount = 0

    // Faults and records for tests.
    var exportFaults: [Anchor: [ConnectorError]] = [:]
    var exportCallFault: ConnectorError?
    var importFault: (error: ConnectorError, afterBatches: Int)?
    var testConnectionFault: ConnectorError?
    var exportCalls: [[ObjectChange]] = []

    init(options: InMemoryConnector.Options) {
        self.options = options
    }

    /// The watermark of the current state: the sequence number of the last change.
    var watermark: Watermark { Watermark(Self.watermarkPrefix + String(log.count)) }

    // MARK: Changes

    /// Applies one change as the system would, logging it if it succeeds.
    mutating func apply(_ change: ObjectChange) -> ExportResult {
        let operation: ConnectorCapabilities.ExportOperation =
            switch change {
            case .add: .add
            case .update: .update
            case .delete: .delete
            case .rename: .rename
            }
        guard options.exportOperations.contains(operation) else {
            return failure(.unsupported, "this system does not support \(operation.rawValue)", change.anchor)
        }
        switch change {
        case .add(let object): return add(object)
        case .update(let anchor, let type, let changes): return update(anchor, type, changes)
        case .delete(let anchor, let type):
            guard let object = objects[anchor], object.objectType == type else { return notFound(anchor, type) }
            objects[anchor] = nil
            if let name = object.distinguishedName { names[name] = nil }
            index(object, remove: true)
            log.append(change)
            return .applied(anchor: anchor)
        case .rename(let anchor, let type, let name):
            guard var object = objects[anchor], object.objectType == type else { return notFound(anchor, type) }
            if let other = names[name], other != anchor {
                return failure(.conflict, "object \(other) already has this name", anchor)
            }
            if let old = object.distinguishedName { names[old] = nil }
            names[name] = anchor
            object.distinguishedName = name
            objects[anchor] = object
            log.append(change)
            return .applied(anchor: anchor)
        }
    }

    private mutating func add(_ proposed: ConnectorObject) -> ExportResult {
        var object = proposed
        guard options.objectTypes.contains(object.objectType) else {
            return failure(.schema, "object type '\(object.objectType)' is not held by this system", object.anchor)
        }
        if object.anchor.rawValue.isEmpty {
            if let name = options.anchorAttribute, let values = object.attributes[name], values.count == 1 {
                object.anchor = Anchor(values[0].text)
            } else {
                generatedAnchorCount += 1
                object.anchor = Anchor(options.anchorPrefix + String(generatedAnchorCount))
            }
        }
        if let name = options.anchorAttribute {
            switch object.attributes[name] {
            case nil: object.attributes[name] = [.string(object.anchor.rawValue)]
            case let values? where values.count == 1 && values[0].text == object.anchor.rawValue:
                object.attributes[name] = [.string(object.anchor.rawValue)]
            default:
                return failure(.schema, "attribute '\(name)' must hold the object's anchor", object.anchor)
            }
        }
        guard objects[object.anchor] == nil else {
            return failure(.conflict, "an object with this anchor already exists", object.anchor)
        }
        if let name = object.distinguishedName, let other = names[name] {
            return failure(.conflict, "object \(other) already has this name", object.anchor)
        }
        if let error = violation(object) { return .failed(error) }
        objects[object.anchor] = object
        if let name = object.distinguishedName { names[name] = object.anchor }
        index(object, remove: false)
        log.append(.add(object))
        return .applied(anchor: object.anchor)
    }

    private mutating func update(_ anchor: Anchor, _ type: ObjectType, _ changes: [AttributeChange]) -> ExportResult {
        guard var object = objects[anchor], object.objectType == type else { return notFound(anchor, type) }
        for change in changes { change.apply(to: &object.attributes) }
        if let name = options.anchorAttribute, object.attributes[name] != [.string(anchor.rawValue)] {
            return failure(.constraint, "attribute '\(name)' holds the anchor and cannot change", anchor)
        }
        if let error = violation(object) { return .failed(error) }
        index(objects[anchor]!, remove: true)
        objects[anchor] = object
        index(object, remove: false)
        log.append(.update(anchor: anchor, objectType: type, changes: changes))
        return .applied(anchor: anchor)
    }

    /// A unique value held by another object, or a reference to a missing object.
    private func violation(_ object: ConnectorObject) -> ConnectorError? {
        for name in options.uniqueAttributes.sorted() {
            for value in object.attributes[name] ?? [] {
                let key = UniqueValue(objectType: object.objectType, attribute: name, value: value)
                if let other = uniqueValues[key], other != object.anchor {
                    return ConnectorError(
                        .conflict, "a value of unique attribute '\(name)' is already held by object \(other)",
                        anchor: object.anchor)
                }
            }
        }
        if options.checksReferences {
            for name in options.referenceAttributes.sorted() {
                for case .reference(let target) in object.attributes[name] ?? []
                where objects[target] == nil && target != object.anchor {
                    return ConnectorError(
                        .constraint, "attribute '\(name)' refers to object \(target), which does not exist",
                        anchor: object.anchor)
                }
            }
        }
        return nil
    }

    /// Adds or removes the object's unique values from the index.
    private mutating func index(_ object: ConnectorObject, remove: Bool) {
        for name in options.uniqueAttributes {
            for value in object.attributes[name] ?? [] {
                uniqueValues[UniqueValue(objectType: object.objectType, attribute: name, value: value)] =
                    remove ? nil : object.anchor
            }
        }
    }

    private func notFound(_ anchor: Anchor, _ type: ObjectType) -> ExportResult {
        failure(.notFound, "no object of type '\(type)' has this anchor", anchor)
    }

    private func failure(_ code: ConnectorError.Code, _ message: String, _ anchor: Anchor) -> ExportResult {
        .failed(ConnectorError(code, message, anchor: anchor))
    }

    // MARK: Imports

    /// Every object, in anchor order, in pages; the final page is complete and carries the watermark.
    func fullImport() -> [ImportBatch] {
        let items = objects.keys.sorted().map { ImportBatch.Item.object(objects[$0]!) }
        return paged(items, isComplete: true)
    }

    /// The changes after `watermark`, in pages.
    func deltaImport(from watermark: Watermark) throws(ConnectorError) -> [ImportBatch] {
        guard options.supportsDeltaImport else {
            throw ConnectorError(.unsupported, "this system does not support delta import; run a full import")
        }
        guard watermark.value.hasPrefix(Self.watermarkPrefix),
            let sequence = Int(watermark.value.dropFirst(Self.watermarkPrefix.count)),
            (0...log.count).contains(sequence)
        else {
            throw ConnectorError(
                .unsupported, "watermark '\(watermark)' was not issued by this system; run a full import")
        }
        let changes = log[sequence...]
        switch options.deltaStyle {
        case .changes:
            return paged(changes.map { .change($0) }, isComplete: false)
        case .objects:
            var types: [Anchor: ObjectType] = [:]
            for change in changes { types[change.anchor] = change.objectType }
            let items = types.keys.sorted().map { anchor -> ImportBatch.Item in
                if let object = objects[anchor] { return .object(object) }
                return .change(.delete(anchor: anchor, objectType: types[anchor]!))
            }
            return paged(items, isComplete: false)
        }
    }

    private func paged(_ items: [ImportBatch.Item], isComplete: Bool) -> [ImportBatch] {
        var batches: [ImportBatch] = []
        var start = 0
        repeat {
            let end = min(start + options.pageSize, items.count)
            let isLast = end == items.count
            batches.append(
                ImportBatch(
                    items: Array(items[start..<end]), watermark: isLast ? watermark : nil,
                    isComplete: isLast && isComplete))
            start = end
        } while start < items.count
        return batches
    }
}
