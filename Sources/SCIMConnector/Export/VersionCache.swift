import ConnectorKit
import Synchronization

/// The ETag (`meta.version`) of each resource as Tandem last saw it, by import or by its own write: what
/// `If-Match` sends, so an update never silently overwrites a change another writer made since.
///
/// It lives as long as the connector (a server running cycles keeps it between runs); a resource without an
/// entry is written without `If-Match`.
final class VersionCache: Sendable {
    private let versions = Mutex<[Anchor: String]>([:])

    func get(_ anchor: Anchor) -> String? { versions.withLock { $0[anchor] } }

    func set(_ anchor: Anchor, _ version: String?) { versions.withLock { $0[anchor] = version } }

    func merge(_ seen: [Anchor: String]) {
        guard !seen.isEmpty else { return }
        versions.withLock { $0.merge(seen) { _, new in new } }
    }
}
