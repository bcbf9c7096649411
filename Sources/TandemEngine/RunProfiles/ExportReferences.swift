import ConnectorKit

/// How one pending export is written now: its references to objects Tandem provisioned in the same connector
/// (provisional anchors, see ``Anchor/provisional(connector:id:)``) resolved to the anchors the system gave them.
///
/// A reference to an object whose add has not taken yet cannot be written. An add is written without it (the
/// system may accept the object without those values) and the attribute's full value list becomes a follow-up
/// update; an update leaves the attribute for later. A reference to an object that no longer exists is left
/// out, as it would be if sync ran again.
struct ExportReferences {
    /// The export as written: `nil` when nothing of it can be written yet (an update whose every attribute
    /// references objects still to be added), or the pending export itself when it has no provisional references.
    var written: PendingExport?
    /// Attributes with references still to be added, with their full value lists: a follow-up update once the
    /// written export took (for an add; an update keeps them pending). Packed, as the follow-up holds them: a
    /// page of 50,000 adds that reference one another holds 50,000 of these until its results are in.
    var deferred = PackedAttributes()

    init(_ export: PendingExport, in space: ConnectorSpace, metaverse: [MetaverseID: MetaverseObject]) {
        let references = export.provisionalReferences
        guard !references.isEmpty else {
            written = export
            return
        }
        var resolutions: [Anchor: Resolution] = [:]
        for anchor in references where resolutions[anchor] == nil {
            if space.objects[anchor]?.isPendingAdd == true {
                resolutions[anchor] = .toBeAdded
            } else {
                resolutions[anchor] =
                    Self.realAnchor(of: anchor, in: space, metaverse: metaverse).map { .real($0) } ?? .gone
            }
        }
        /// The values as written now, and whether any was left for later.
        func translate(_ values: [AttributeValue]) -> (values: [AttributeValue], isComplete: Bool) {
            var result: [AttributeValue] = []
            var isComplete = true
            for value in values {
                switch Self.resolve(value, resolutions) {
                case .real(let real): result.append(.reference(real))
                case .toBeAdded: isComplete = false
                case .gone: break
                case nil: result.append(value)
                }
            }
            return (result, isComplete)
        }
        /// The full list for later: references to objects still to be added stay provisional.
        func followUp(_ values: [AttributeValue]) -> [AttributeValue] {
            values.compactMap { value in
                switch Self.resolve(value, resolutions) {
                case .real(let real): .reference(real)
                case .toBeAdded, nil: value
                case .gone: nil
                }
            }
        }
        var export = export
        var deferred: Attributes = [:]
        switch export.operation {
        case .add(let dn, let attributes):
            var written: Attributes = [:]
            for (name, values) in attributes {
                let (translated, isComplete) = translate(values)
                if !translated.isEmpty { written[name] = translated }
                if !isComplete { deferred[name] = followUp(values) }
            }
            export.operation = .add(distinguishedName: dn, attributes: PackedAttributes(written))
            self.written = export
        case .update(let attributes):
            var written: Attributes = [:]
            for (name, values) in attributes {
                let (translated, isComplete) = translate(values)
                if isComplete { written[name] = translated } else { deferred[name] = followUp(values) }
            }
            export.operation = .update(PackedAttributes(written))
            self.written = written.isEmpty ? nil : export
        case .rename, .delete:
            self.written = export
        }
        self.deferred = PackedAttributes(deferred)
    }

    private enum Resolution {
        /// The add took: the system's anchor.
        case real(Anchor)
        /// The add has not taken yet.
        case toBeAdded
        /// The object is gone (deprovisioned before its add).
        case gone
    }

    /// What a provisional reference resolves to; `nil` for any other value.
    private static func resolve(_ value: AttributeValue, _ resolutions: [Anchor: Resolution]) -> Resolution? {
        guard case .reference(let anchor) = value, anchor.isProvisional else { return nil }
        return resolutions[anchor]
    }

    /// The anchor the object provisioned as `anchor` has now that its add took: its metaverse object's link in
    /// this connector. `nil` when that object is gone.
    static func realAnchor(of anchor: Anchor, in space: ConnectorSpace, metaverse: [MetaverseID: MetaverseObject])
        -> Anchor?
    {
        guard let id = anchor.provisionalMetaverseID,
            let link = metaverse[id]?.links.first(where: { $0.connector == space.connector }),
            space.objects[link.anchor]?.isPendingAdd == false
        else { return nil }
        return link.anchor
    }
}
