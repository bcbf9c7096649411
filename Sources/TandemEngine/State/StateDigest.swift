import ConnectorKit
import Crypto
import TandemJournal

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
        func operation(_ op: PendingExport.Operation) {
            switch op {
            case .add(let dn, let attributes):
                w.byte(0)
                w.optionalString(dn)
                attributes.writeForDigest(to: &w)
            case .update(let attributes):
                w.byte(1)
                attributes.writeForDigest(to: &w)
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
            hasher.update(data: w.bytes)
            w = BinaryWriter(capacity: 1 << 16)
            let objects = space.objects
            Self.hashInOrder(Self.sortedOnEveryCore(Array(objects.keys)), into: &hasher) { anchor, w in
                let object = objects[anchor]!
                w.string(anchor.rawValue)
                w.string(object.objectType.rawValue)
                w.optionalString(object.distinguishedName)
                object.attributes.writeForDigest(to: &w)
                w.varint(object.metaverseID?.rawValue ?? 0)
                w.bool(object.isPendingAdd)
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
        hasher.update(data: w.bytes)
        w = BinaryWriter(capacity: 1 << 16)
        let metaverse = self.metaverse
        Self.hashInOrder(Self.sortedOnEveryCore(Array(metaverse.keys)), into: &hasher) { id, w in
            let object = metaverse[id]!
            w.varint(id.rawValue)
            w.string(object.objectType.rawValue)
            w.count(object.attributes.count)
            // Names come in ascending order; values are sorted as for a connector-space object.
            object.attributes.forEachEncoded { name, isAuthoritativeNull, contributor, block in
                w.string(name)
                PackedAttributes.writeValuesForDigest(block, to: &w)
                w.bool(isAuthoritativeNull)
                w.string(contributor.rule)
                w.string(contributor.connector)
                w.string(contributor.anchor.rawValue)
                w.int(Int64(contributor.precedence))
            }
            w.count(object.links.count)
            for link in object.links {  // in ascending order, as they iterate
                w.string(link.connector)
                w.string(link.anchor.rawValue)
            }
            w.optionalString(object.projectedBy.map { "\($0.connector)\u{0}\($0.anchor.rawValue)" })
        }
        hasher.update(data: w.bytes)
        return hasher.finalize().map {
            String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16)
        }
        .joined()
    }

    /// Attributes in the digest's canonical form: names ascending, each one's values sorted.
    static func canonical(_ attributes: Attributes, to w: inout BinaryWriter) {
        w.count(attributes.count)
        for (name, values) in attributes.sorted(by: { $0.key < $1.key }) {
            w.string(name)
            w.values(values.sorted())
        }
    }

    /// Feeds `hasher` what `encode` writes for each of `keys`, in their order. Batches of keys encode
    /// on every core, a window of batches at a time, and are hashed in order: the same bytes, so the
    /// same digest, as encoding them one after the other.
    static func hashInOrder<Key: Sendable>(
        _ keys: [Key], into hasher: inout SHA256, encode: @escaping @Sendable (Key, inout BinaryWriter) -> Void
    ) {
        let batch = 2_048
        let window = 16
        var start = 0
        while start < keys.count {
            let first = start
            let batches = min(window, (keys.count - first + batch - 1) / batch)
            // The body does not throw.
            let parts = try! concurrentMap(batches) { index in
                let lower = first + index * batch
                let upper = min(lower + batch, keys.count)
                var w = BinaryWriter(capacity: (upper - lower) * 512)
                for key in keys[lower..<upper] { encode(key, &w) }
                return w.bytes
            }
            for part in parts { hasher.update(data: part) }
            start = min(first + batches * batch, keys.count)
        }
    }

    /// `keys` sorted, the two halves of a large array on a core each, then merged.
    static func sortedOnEveryCore<Key: Comparable & Sendable>(_ keys: [Key]) -> [Key] {
        guard keys.count >= 65_536 else { return keys.sorted() }
        let middle = keys.count / 2
        // The body does not throw.
        let halves = try! concurrentMap(2) { half in
            (half == 0 ? keys[..<middle] : keys[middle...]).sorted()
        }
        var merged: [Key] = []
        merged.reserveCapacity(keys.count)
        var (i, j) = (0, 0)
        let (a, b) = (halves[0], halves[1])
        while i < a.count && j < b.count {
            if b[j] < a[i] {
                merged.append(b[j])
                j += 1
            } else {
                merged.append(a[i])
                i += 1
            }
        }
        merged.append(contentsOf: a[i...])
        merged.append(contentsOf: b[j...])
        return merged
    }
}
