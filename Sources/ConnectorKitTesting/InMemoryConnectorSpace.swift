import ConnectorKit

/// A connector space held in memory: the engine's copy of one system's objects, kept up to date by applying
/// imports as the engine does. It is the ``ConnectorSpaceView`` a test passes in an ``ImportRequest``, and
/// the model the conformance suite checks a connector against.
public struct InMemoryConnectorSpace: ConnectorSpaceView, Hashable {
    /// The objects held, by anchor.
    public private(set) var objects: [Anchor: ConnectorObject]

    /// A connector space holding `objects`.
    public init(_ objects: [ConnectorObject] = []) {
        self.objects = Dictionary(objects.map { ($0.anchor, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// Every anchor held, in ascending order.
    public func anchors() -> [Anchor] { objects.keys.sorted() }

    /// The object held for `anchor`, if any.
    public func object(_ anchor: Anchor) -> ConnectorObject? { objects[anchor] }

    /// Applies the batches of one import, in order, as the engine does: `.object` items and adds replace what is
    /// held, updates and renames change it, deletes remove it; if the final batch is complete (a full import),
    /// objects the import did not return are removed.
    ///
    /// - Throws: ``ConnectorError`` with code ``ConnectorError/Code/protocolViolation`` when an item cannot
    ///   apply: an update or rename of an anchor not held, or an item with an empty anchor.
    public mutating func apply(_ batches: [ImportBatch]) throws(ConnectorError) {
        var returned = Set<Anchor>()
        for batch in batches {
            for item in batch.items {
                returned.insert(try apply(item))
            }
        }
        if batches.last?.isComplete == true {
            objects = objects.filter { returned.contains($0.key) }
        }
    }

    /// Applies one import item and returns its anchor.
    @discardableResult
    public mutating func apply(_ item: ImportBatch.Item) throws(ConnectorError) -> Anchor {
        let anchor: Anchor
        switch item {
        case .object(let object), .change(.add(let object)):
            anchor = object.anchor
            try Self.requireAnchor(anchor)
            objects[anchor] = object
        case .change(.update(let target, let type, let changes)):
            anchor = target
            try Self.requireAnchor(anchor)
            guard var object = objects[anchor], object.objectType == type else {
                throw ConnectorError(
                    .protocolViolation, "an import updated an object of type '\(type)' that is not held",
                    anchor: anchor)
            }
            for change in changes { change.apply(to: &object.attributes) }
            objects[anchor] = object
        case .change(.delete(let target, _)):
            anchor = target
            objects[anchor] = nil
        case .change(.rename(let target, let type, let name)):
            anchor = target
            try Self.requireAnchor(anchor)
            guard var object = objects[anchor], object.objectType == type else {
                throw ConnectorError(
                    .protocolViolation, "an import renamed an object of type '\(type)' that is not held",
                    anchor: anchor)
            }
            object.distinguishedName = name
            objects[anchor] = object
        }
        return anchor
    }

    private static func requireAnchor(_ anchor: Anchor) throws(ConnectorError) {
        if anchor.rawValue.isEmpty {
            throw ConnectorError(.protocolViolation, "an import returned an item with an empty anchor")
        }
    }
}
