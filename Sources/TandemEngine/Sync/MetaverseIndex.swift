import ConnectorKit

/// Finds metaverse objects by attribute value, for joins and unique-value checks. Values are
/// compared by their text, ASCII case-insensitively (as directories compare names).
///
/// Each type is indexed on its first lookup, so that a run that neither joins nor checks a unique
/// value of a type (most delta runs; every run of a groups connector, for people) does not pay for
/// indexing the whole metaverse.
struct MetaverseIndex {
    /// An entry of one type's index (the type is the outer key, so it is not repeated here).
    private struct Key: Hashable {
        var attribute: String
        var value: String
    }

    /// The objects holding one value. A joined-on or unique value nearly always has one holder, which
    /// needs no set of its own: two per person at 100,000 people were 200,000 sets.
    private enum Holders {
        case one(MetaverseID)
        case many(Set<MetaverseID>)

        var ids: Set<MetaverseID> {
            switch self {
            case .one(let id): [id]
            case .many(let ids): ids
            }
        }

        // Changed in place: `self` lets go of a set before it is changed, so the set is not copied.
        mutating func insert(_ id: MetaverseID) {
            switch self {
            case .one(let existing):
                if existing != id { self = .many([existing, id]) }
            case .many(var ids):
                self = .one(id)
                ids.insert(id)
                self = .many(ids)
            }
        }

        /// Removes `id`; `false` when no holder remains.
        mutating func remove(_ id: MetaverseID) -> Bool {
            switch self {
            case .one(let existing):
                return existing != id
            case .many(var ids):
                self = .one(id)
                ids.remove(id)
                guard let first = ids.first else { return false }
                self = ids.count == 1 ? .one(first) : .many(ids)
                return true
            }
        }
    }

    /// The (type, attribute) pairs indexed.
    let indexed: Set<AttributePair>
    /// The indexed attributes of each type.
    private let attributesByType: [ObjectType: [String]]
    /// The attributes indexed for any type, in a list: a few names (joined on or unique), compared
    /// faster than a set hashes the name asked about for every attribute sync sets.
    private let attributeNames: [String]
    /// The entries of each type indexed so far.
    private var entries: [ObjectType: [Key: Holders]] = [:]
    /// Objects a full sync is about to add to each type not indexed yet: its first build makes room for them.
    private var expected: [ObjectType: Int] = [:]

    struct AttributePair: Hashable {
        var type: ObjectType
        var attribute: String
    }

    init(indexing pairs: Set<AttributePair>) {
        indexed = pairs
        attributesByType = Dictionary(grouping: pairs, by: \.type).mapValues { $0.map(\.attribute) }
        attributeNames = Set(pairs.map(\.attribute)).sorted()
    }

    /// Whether `attribute` is indexed for some type: when not, no change of it needs the index.
    func indexesAttribute(named attribute: String) -> Bool { attributeNames.contains(attribute) }

    static func normalize(_ value: AttributeValue) -> String { value.text.asciiLowercased() }

    /// The objects of `type` whose `attribute` holds `value`. `metaverse` is the current metaverse: the
    /// first lookup of a type indexes its objects there.
    mutating func objects(
        type: ObjectType, attribute: String, value: AttributeValue, in metaverse: [MetaverseID: MetaverseObject]
    ) -> Set<MetaverseID> {
        if entries[type] == nil {
            entries[type] = build(type, metaverse, expecting: expected.removeValue(forKey: type) ?? 0)
        }
        return entries[type]![Key(attribute: attribute, value: Self.normalize(value))]?.ids ?? []
    }

    /// Makes room for the entries of `count` objects of `type` about to be added (no change to what is indexed).
    mutating func expect(_ count: Int, of type: ObjectType) {
        guard let attributes = attributesByType[type], count > 0 else { return }
        guard let index = entries.index(forKey: type) else {
            expected[type] = count
            return
        }
        let held = entries.values[index].count
        entries.values[index].reserveCapacity(held + count * attributes.count)
    }

    private func build(_ type: ObjectType, _ metaverse: [MetaverseID: MetaverseObject], expecting count: Int)
        -> [Key: Holders]
    {
        var entries: [Key: Holders] = [:]
        guard let attributes = attributesByType[type] else { return entries }
        entries.reserveCapacity((metaverse.count + count) * attributes.count)
        for (id, object) in metaverse where object.objectType == type {
            for name in attributes {
                for v in object.attributes[name]?.values ?? [] {
                    Self.insert(id, at: Key(attribute: name, value: Self.normalize(v)), into: &entries)
                }
            }
        }
        return entries
    }

    private static func insert(_ id: MetaverseID, at key: Key, into entries: inout [Key: Holders]) {
        if let index = entries.index(forKey: key) {
            entries.values[index].insert(id)
        } else {
            entries[key] = .one(id)
        }
    }

    /// Whether a change of `attribute` on an object of `type` must be passed to ``update(id:type:attribute:old:new:)``.
    func isMaintained(type: ObjectType, attribute: String) -> Bool {
        entries[type] != nil && indexed.contains(AttributePair(type: type, attribute: attribute))
    }

    /// Keeps the index in step with an attribute's change (a type not indexed yet needs nothing).
    mutating func update(
        id: MetaverseID, type: ObjectType, attribute: String, old: [AttributeValue], new: [AttributeValue]
    ) {
        guard indexed.contains(AttributePair(type: type, attribute: attribute)),
            var typeEntries = entries.removeValue(forKey: type)  // moved out: changed without a copy
        else { return }
        defer { entries[type] = typeEntries }
        for v in old {
            let key = Key(attribute: attribute, value: Self.normalize(v))
            if let index = typeEntries.index(forKey: key), !typeEntries.values[index].remove(id) {
                typeEntries.remove(at: index)
            }
        }
        for v in new { Self.insert(id, at: Key(attribute: attribute, value: Self.normalize(v)), into: &typeEntries) }
    }
}
