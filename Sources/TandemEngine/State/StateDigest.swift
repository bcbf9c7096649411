import ConnectorKit
import Crypto

extension EngineState {
    /// SHA-256 (hex) over a canonical, sorted encoding of the connector spaces, the metaverse and
    /// the pending exports — not of the journal position, epoch or run history — so any two ways
    /// of reaching the same state (live, replayed, restored, on a staging server) agree.
    public var stateDigest: String {
        var hasher = SHA256()
        var w = BinaryWriter(capacity: 1 << 16)
        func flushIfLarge() {
            if w.bytes.count >= 1 << 16 {
                hasher.update(data: w.bytes)
                w = BinaryWriter(capacity: 1 << 16)
            }
        }
        func canonical(_ attributes: Attributes) {
            w.count(attributes.count)
            for name in attributes.keys.sorted() {
                w.string(name)
                w.values(attributes[name]!.sorted())
            }
        }
        func operation(_ op: PendingExport.Operation) {
            switch op {
            case .add(let dn, let attributes):
                w.byte(0)
                w.optionalString(dn)
                canonical(attributes)
            case .update(let attributes):
                w.byte(1)
                canonical(attributes)
            case .rename(let dn):
                w.byte(2)
                w.string(dn)
            case .delete:
                w.byte(3)
            }
        }

        w.string("tandem-state-v1")
        w.count(connectorSpaces.count)
        for name in connectorSpaces.keys.sorted() {
            let space = connectorSpaces[name]!
            w.string(name)
            w.optionalString(space.watermark?.value)
            w.count(space.objects.count)
            for anchor in space.objects.keys.sorted() {
                let object = space.objects[anchor]!
                w.string(anchor.rawValue)
                w.string(object.objectType.rawValue)
                w.optionalString(object.distinguishedName)
                canonical(object.attributes)
                w.varint(object.metaverseID?.rawValue ?? 0)
                w.bool(object.isPendingAdd)
                flushIfLarge()
            }
            w.count(space.pendingExports.count)
            for anchor in space.pendingExports.keys.sorted() {
                let export = space.pendingExports[anchor]!
                w.string(anchor.rawValue)
                w.string(export.objectType.rawValue)
                operation(export.operation)
                w.varint(export.metaverseID?.rawValue ?? 0)
                flushIfLarge()
            }
            w.count(space.unconfirmedExports.count)
            for anchor in space.unconfirmedExports.keys.sorted() {
                w.string(anchor.rawValue)
                operation(space.unconfirmedExports[anchor]!)
                flushIfLarge()
            }
            w.count(space.errors.count)
            for anchor in space.errors.keys.sorted() {
                let error = space.errors[anchor]!
                w.string(anchor.rawValue)
                w.optionalString(error.rule)
                w.string(error.code)
                w.string(error.message)
                flushIfLarge()
            }
            w.count(space.heldDeletes.count)
            for anchor in space.heldDeletes.sorted() { w.string(anchor.rawValue) }
            w.count(space.approvedDeletes.count)
            for anchor in space.approvedDeletes.sorted() { w.string(anchor.rawValue) }
            w.count(space.changedSinceSync.count)
            for anchor in space.changedSinceSync.sorted() { w.string(anchor.rawValue) }
            // Only when present, so that digests of states without export attempts in doubt are unchanged.
            if !space.inDoubtExports.isEmpty {
                w.count(space.inDoubtExports.count)
                for anchor in space.inDoubtExports.keys.sorted() {
                    w.string(anchor.rawValue)
                    w.varint(space.inDoubtExports[anchor]!)
                }
            }
        }
        w.varint(nextMetaverseID)
        w.count(metaverse.count)
        for id in metaverse.keys.sorted() {
            let object = metaverse[id]!
            w.varint(id.rawValue)
            w.string(object.objectType.rawValue)
            w.count(object.attributes.count)
            for name in object.attributes.keys.sorted() {
                let value = object.attributes[name]!
                w.string(name)
                w.values(value.values.sorted())
                w.bool(value.isAuthoritativeNull)
                w.string(value.contributor.rule)
                w.string(value.contributor.connector)
                w.string(value.contributor.anchor.rawValue)
                w.int(Int64(value.contributor.precedence))
            }
            w.count(object.links.count)
            for link in object.links.sorted() {
                w.string(link.connector)
                w.string(link.anchor.rawValue)
            }
            w.optionalString(object.projectedBy.map { "\($0.connector)\u{0}\($0.anchor.rawValue)" })
            flushIfLarge()
        }
        hasher.update(data: w.bytes)
        return hasher.finalize().map {
            String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16)
        }
        .joined()
    }
}
