import ConnectorKit

/// Finds metaverse objects by attribute value, for joins and unique-value checks. Values are
/// compared by their text, ASCII case-insensitively (as directories compare names).
struct MetaverseIndex {
    private struct Key: Hashable {
        var type: ObjectType
        var attribute: String
        var value: String
    }

    /// The (type, attribute) pairs indexed.
    let indexed: Set<AttributePair>
    private var entries: [Key: Set<MetaverseID>] = [:]

    struct AttributePair: Hashable {
        var type: ObjectType
        var attribute: String
    }

    init(indexing pairs: Set<AttributePair>, metaverse: [MetaverseID: MetaverseObject]) {
        indexed = pairs
        guard !pairs.isEmpty else { return }
        for (id, object) in metaverse {
            for (name, value) in object.attributes
            where pairs.contains(AttributePair(type: object.objectType, attribute: name)) {
                for v in value.values {
                    entries[Key(type: object.objectType, attribute: name, value: Self.normalize(v)), default: []]
                        .insert(id)
                }
            }
        }
    }

    static func normalize(_ value: AttributeValue) -> String { value.text.asciiLowercased() }

    func objects(type: ObjectType, attribute: String, value: AttributeValue) -> Set<MetaverseID> {
        entries[Key(type: type, attribute: attribute, value: Self.normalize(value))] ?? []
    }

    /// Keeps the index in step with an attribute's change.
    mutating func update(
        id: MetaverseID, type: ObjectType, attribute: String, old: [AttributeValue], new: [AttributeValue]
    ) {
        guard indexed.contains(AttributePair(type: type, attribute: attribute)) else { return }
        for v in old {
            let key = Key(type: type, attribute: attribute, value: Self.normalize(v))
            entries[key]?.remove(id)
            if entries[key]?.isEmpty == true { entries[key] = nil }
        }
        for v in new {
            entries[Key(type: type, attribute: attribute, value: Self.normalize(v)), default: []].insert(id)
        }
    }
}
