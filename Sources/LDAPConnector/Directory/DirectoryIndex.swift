import ConnectorKit
import Synchronization

/// What the connector knows of where entries are: anchor → DN and normalized DN → anchor, learnt from imports
/// and exports. References are DNs in the directory and anchors in Tandem; deletes in content sync arrive as
/// entryUUIDs only. A miss is resolved by a search, so the index is a cache, never the truth.
final class DirectoryIndex: Sendable {
    private struct Maps {
        var dnByAnchor: [Anchor: String] = [:]
        var anchorByDN: [String: Anchor] = [:]
    }

    private let maps = Mutex(Maps())

    func record(anchor: Anchor, dn: String) {
        let key = DistinguishedName.normalized(dn)
        maps.withLock { maps in
            if let old = maps.dnByAnchor[anchor] { maps.anchorByDN[DistinguishedName.normalized(old)] = nil }
            maps.dnByAnchor[anchor] = dn
            maps.anchorByDN[key] = anchor
        }
    }

    /// Records many entries under one lock (a page of an import); DNs already normalized as `key`.
    func record(_ entries: [(anchor: Anchor, dn: String, key: String)]) {
        maps.withLock { maps in
            for entry in entries {
                if let old = maps.dnByAnchor[entry.anchor], old != entry.dn {
                    maps.anchorByDN[DistinguishedName.normalized(old)] = nil
                }
                maps.dnByAnchor[entry.anchor] = entry.dn
                maps.anchorByDN[entry.key] = entry.anchor
            }
        }
    }

    /// Records where the connector space last saw an entry, without overriding what the index learnt since: a
    /// DN the index does not know may name that entry (a reference to an old DN, until the directory's referential
    /// integrity rewrites it), but an anchor keeps the DN this run's imports and exports found, so that exports
    /// never write an entry's old DN.
    func recordIfUnknown(anchor: Anchor, dn: String) {
        let key = DistinguishedName.normalized(dn)
        maps.withLock { maps in
            if maps.anchorByDN[key] == nil { maps.anchorByDN[key] = anchor }
            if maps.dnByAnchor[anchor] == nil { maps.dnByAnchor[anchor] = dn }
        }
    }

    func forget(anchor: Anchor) {
        maps.withLock { maps in
            if let old = maps.dnByAnchor.removeValue(forKey: anchor) {
                maps.anchorByDN[DistinguishedName.normalized(old)] = nil
            }
        }
    }

    func dn(of anchor: Anchor) -> String? { maps.withLock { $0.dnByAnchor[anchor] } }

    /// The anchor of a DN given in normalized form.
    func anchor(ofNormalized key: String) -> Anchor? { maps.withLock { $0.anchorByDN[key] } }
}
