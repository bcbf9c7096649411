import ConnectorKit

/// Finds metaverse objects by attribute value, for joins and unique-value checks. Values are
/// compared by their text, ASCII case-insensitively (as directories compare names).
///
/// Each type is indexed on its first lookup, so that a run that neither joins nor checks a unique
/// value of a type (most delta runs; every run of a groups connector, for people) does not pay for
/// indexing the whole metaverse.
struct MetaverseIndex {
    private struct Key: Hashable {
        var type: ObjectType
        var attribute: String
        var value: String
    }

    /// The (type, attribute) pairs indexed.
    let indexed: Set<AttributePair>
    /// The indexed attributes of each type.
    private let attributesByType: [ObjectType: [String]]
    /// The attributes indexed for any type.
    private let attributeNames: Set<String>
    /// The entries of each type indexed so far.
    private var entries: [ObjectType: [Key: Set<MetaverseID>]] = [:]

    struct AttributePair: Hashable {
        var type: ObjectType
        var attribute: String
    }

    init(indexing pairs: Set<AttributePair>) {
        indexed = pairs
        attributesByType = Dictionary(grouping: pairs, by: \.type).mapValues { $0.map(\.attribute) }
        attributeNames = Set(pairs.map(\.attribute))
    }

    /// Whether `attribute` is indexed for some type: when not, no change of it needs the index.
    func indexesAttribute(named attribute: String) -> Bool { attributeNames.contains(attribute) }

    static func normalize(_ value: AttributeValue) -> String { value.text.asciiLowercased() }

    /// The objects of `type` whose `attribute` holds `value`. `metaverse` is the current metaverse: the
    /// first lookup of a type indexes its objects there.
    mutating func objects(
        type: ObjectType, attribute: String, value: AttributeValue, in metaverse: [MetaverseID: MetaverseObject]
    ) -> Set<MetaverseID> {
        if entries[type] == nil { entries[type] = build(type, metaverse) }
        return entries[type]![Key(type: type, attribute: attribute, value: Self.normalize(value))] ?? []
    }

    private func build(_ type: ObjectType, _ metaverse: [MetaverseID: MetaverseObject]) -> [Key: Set<MetaverseID>] {
        var entries: [Key: Set<MetaverseID>] = [:]
        guard let attributes = attributesByType[type] else { return entries }
        for (id, object) in metaverse where object.objectType == type {
            for name in attributes {
                for v in object.attributes[name]?.values ?? [] {
                    entries[Key(type: type, attribute: name, value: Self.normalize(v)), default: []].insert(id)
                }
            }
        }
        return entries
    }

    /// Whether a change of `attribute` on an object of `type` must be passed to ``update(id:type:attribute:old:new:)``.
    func isMaintained(type: ObjectType, attribute: String) -> Bool {
        entries[type] != nil && indexed.contains(AttributePair(type: type, attribute: attribute))
    }

    /// Keeps the index in step with an attribute's change (a type not indexed yet needs nothing).
    mutating func update(
        id: MetaverseID, type: ObjectType, attribute: String, old: [AttributeValue], new: [AttributeValue]
    ) {
        guard entries[type] != nil, indexed.contains(AttributePair(type: type, attribute: attribute)) else { return }
        for v in old {
            let key = Key(type: type, attribute: attribute, value: Self.normalize(v))
            entries[type]![key]?.remove(id)
            if entries[type]![key]?.isEmpty == true { entries[type]![key] = nil }
        }
        for v in new {
            entries[type]![Key(type: type, attribute: attribute, value: Self.normalize(v)), default: []].insert(id)
        }
    }
}
