import ConnectorKit
import Synchronization

/// What the connector knows of where entries are: anchor → DN and normalized DN → anchor, learnt from imports
/// and exports. References are DNs in the directory and anchors in Tandem; deletes in content sync arrive as
/// entryUUIDs only. A miss is resolved by a search, so the index is a cache, never the truth.
///
/// A full import records every entry but most imports resolve few references, if any: pages are kept as they are
/// recorded and indexed (their DNs normalized, both maps filled) only when the index is first asked something.
final class DirectoryIndex: Sendable {
    private struct Maps {
        var dnByAnchor: [Anchor: String] = [:]
        var anchorByDN: [String: Anchor] = [:]
        /// Pages recorded and not yet indexed, oldest first.
        var pending: [[(anchor: Anchor, dn: String)]] = []

        mutating func settle() {
            guard !pending.isEmpty else { return }
            let pages = pending
            pending = []
            for page in pages {
                for entry in page { record(anchor: entry.anchor, dn: entry.dn) }
            }
        }

        mutating func record(anchor: Anchor, dn: String) {
            if let old = dnByAnchor[anchor], old != dn { anchorByDN[DistinguishedName.normalized(old)] = nil }
            dnByAnchor[anchor] = dn
            anchorByDN[DistinguishedName.normalized(dn)] = anchor
        }
    }

    private let maps = Mutex(Maps())

    func record(anchor: Anchor, dn: String) {
        maps.withLock { maps in
            maps.settle()
            maps.record(anchor: anchor, dn: dn)
        }
    }

    /// Records a page of an import; indexed when the index is next asked something.
    func record(_ entries: [(anchor: Anchor, dn: String)]) {
        maps.withLock { $0.pending.append(entries) }
    }

    /// Records where the connector space last saw an entry, without overriding what the index learnt since: a
    /// DN the index does not know may name that entry (a reference to an old DN, until the directory's referential
    /// integrity rewrites it), but an anchor keeps the DN this run's imports and exports found, so that exports
    /// never write an entry's old DN.
    func recordIfUnknown(anchor: Anchor, dn: String) {
        let key = DistinguishedName.normalized(dn)
        maps.withLock { maps in
            maps.settle()
            if maps.anchorByDN[key] == nil { maps.anchorByDN[key] = anchor }
            if maps.dnByAnchor[anchor] == nil { maps.dnByAnchor[anchor] = dn }
        }
    }

    func forget(anchor: Anchor) {
        maps.withLock { maps in
            maps.settle()
            if let old = maps.dnByAnchor.removeValue(forKey: anchor) {
                maps.anchorByDN[DistinguishedName.normalized(old)] = nil
            }
        }
    }

    func dn(of anchor: Anchor) -> String? {
        maps.withLock { maps in
            maps.settle()
            return maps.dnByAnchor[anchor]
        }
    }

    /// The anchor of a DN given in normalized form.
    func anchor(ofNormalized key: String) -> Anchor? {
        maps.withLock { maps in
            maps.settle()
            return maps.anchorByDN[key]
        }
    }
}
