import ConnectorKit

/// Tandem names an object it provisions `~provisional:CONNECTOR:METAVERSE-ID` until the connected system gives
/// it its real anchor (the export's result re-keys it). References to such an object carry this anchor too, until
/// the export that writes them resolves it.
extension Anchor {
    static func provisional(connector: String, id: MetaverseID) -> Anchor {
        Anchor("~provisional:\(connector):\(id.rawValue)")
    }

    var isProvisional: Bool { rawValue.hasPrefix("~provisional:") }

    /// The metaverse object a provisional anchor was made for; `nil` for any other anchor.
    var provisionalMetaverseID: MetaverseID? {
        guard isProvisional, let colon = rawValue.lastIndex(of: ":") else { return nil }
        return UInt64(rawValue[rawValue.index(after: colon)...]).map(MetaverseID.init(rawValue:))
    }
}
