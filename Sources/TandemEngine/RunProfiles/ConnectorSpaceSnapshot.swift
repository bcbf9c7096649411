import ConnectorKit

/// A connector space as of the start of an import, handed to connectors that compute deltas by difference.
///
/// Objects Tandem added that no import has confirmed yet are left out, so a connector that finds them
/// reports them as adds and the import confirms them.
struct ConnectorSpaceSnapshot: ConnectorSpaceView {
    let space: ConnectorSpace

    func anchors() -> [Anchor] {
        // Anchors only: filtering the values would copy every known object first.
        space.objects.compactMap { isKnown($0.value) ? $0.key : nil }.sorted()
    }

    func object(_ anchor: Anchor) -> ConnectorObject? {
        guard let object = space.objects[anchor], isKnown(object) else { return nil }
        return object.connectorObject
    }

    private func isKnown(_ object: ConnectorSpaceObject) -> Bool {
        guard !object.isPendingAdd else { return false }
        if case .add? = space.unconfirmedExports[object.anchor] { return false }
        return true
    }
}
