/// Decides, before each export batch, whether this server may write to connected systems.
///
/// Split brain — two servers exporting — is prevented by asking before every batch: a server
/// exports only while it holds the lease of the current epoch. The server supplies the permit
/// (backed by an epoch authority's lease); an engine without one exports freely, as a single
/// server or a manually run pair does.
///
/// Implementation requirements: answer quickly from local knowledge (no network round trip on
/// the export path) and conservatively: deny when unsure. A grant must stay true for as long
/// as one export batch may take, so grant only while enough of the lease is left.
public protocol ExportPermit: Sendable {
    /// Whether a batch of exports to `connector` may start now, for a server whose journal is in `epoch`.
    func checkExport(epoch: UInt64, connector: String) async -> ExportPermission
}

/// The answer of an ``ExportPermit``.
public enum ExportPermission: Hashable, Sendable {
    case granted
    /// Exporting must stop; `reason` says why in words an operator can act on.
    case denied(reason: String)
}
