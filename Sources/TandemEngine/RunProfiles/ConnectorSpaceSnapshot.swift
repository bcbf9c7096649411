import ConnectorKit

/// A connector space as of the start of an import, handed to connectors that compute deltas by difference.
struct ConnectorSpaceSnapshot: ConnectorSpaceView {
    let space: ConnectorSpace

    func anchors() -> [Anchor] {
        space.objects.values.filter { !$0.isPendingAdd }.map(\.anchor).sorted()
    }

    func object(_ anchor: Anchor) -> ConnectorObject? {
        guard let object = space.objects[anchor], !object.isPendingAdd else { return nil }
        return object.connectorObject
    }
}
