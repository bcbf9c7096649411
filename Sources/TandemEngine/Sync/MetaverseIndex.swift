import ConnectorKit

/// Finds metaverse objects by attribute value, for joins and unique-value checks. Values are
/// compared by their text, ASCII case-insensitively (as directories compare names).
///
/// Each type is indexed on its first lookup, so that a run that neither joins nor checks a unique
/// value of a type (most delta runs; every run of a groups connector, for people) does not pay for
/// indexing the whole metaverse.
///
/// The index is kept between runs, so it holds no text: an entry is keyed by a 64-bit hash of the
/// value's compared text (at 200,000 people the texts and their keys took 72 MiB). It is never
/// persisted, so the hash may differ from one process to the next. Two texts can share a hash: a
/// lookup keeps only the holders whose values hold the text asked about, so a collision costs a check
/// and never makes a wrong join or a false duplicate.
struct MetaverseIndex {
    /// The holders of one (type, attribute)'s values, by hash of the compared text.
    ///
    /// Each attribute has a table of its own, so that an update, which is given all of one object's
    /// old and new values of one attribute, replaces everything that object put in the table (see
    /// ``MetaverseIndex/update(id:type:attribute:old:new:)``).
    private struct Table {
        /// Hashes held by one object: nearly every joined-on or unique value, which so needs no set.
        private var one: [UInt64: MetaverseID] = [:]
        /// Hashes held by several objects: a duplicate value, or texts whose hashes collide.
        private var many: [UInt64: Set<MetaverseID>] = [:]

        func holders(of hash: UInt64) -> Set<MetaverseID> {
            if let id = one[hash] { return [id] }
            return many[hash] ?? []
        }

        mutating func reserveCapacity(_ count: Int) { one.reserveCapacity(count) }

        var count: Int { one.count + many.count }

        // A hash is in `one` or in `many`, never in both.
        mutating func insert(_ id: MetaverseID, at hash: UInt64) {
            if let index = many.index(forKey: hash) {
                many.values[index].insert(id)  // in place: the set is not copied
                return
            }
            guard let held = one.updateValue(id, forKey: hash), held != id else { return }
            one.removeValue(forKey: hash)
            many[hash] = [held, id]
        }

        mutating func remove(_ id: MetaverseID, at hash: UInt64) {
            if let index = one.index(forKey: hash) {
                if one.values[index] == id { one.remove(at: index) }
                return
            }
            guard let index = many.index(forKey: hash) else { return }
            many.values[index].remove(id)
            if many.values[index].count == 1 {
                let last = many.values[index].first!
                many.remove(at: index)
                one[hash] = last
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
    /// The tables of the indexed pairs of each type indexed so far (a pair has one once its type is built).
    private var tables: [AttributePair: Table] = [:]
    /// Objects a full sync is about to add to each type not indexed yet: its first build makes room for them.
    private var expected: [ObjectType: Int] = [:]
    /// The hash of a compared text. It must hash texts that compare equal alike, as `String` hashing
    /// does (canonically equivalent texts are equal); tests give one that collides on purpose.
    private let hash: @Sendable (String) -> UInt64

    struct AttributePair: Hashable {
        var type: ObjectType
        var attribute: String
    }

    init(indexing pairs: Set<AttributePair>, hash: @escaping @Sendable (String) -> UInt64 = Self.hash(_:)) {
        indexed = pairs
        attributesByType = Dictionary(grouping: pairs, by: \.type).mapValues { $0.map(\.attribute) }
        attributeNames = Set(pairs.map(\.attribute)).sorted()
        self.hash = hash
    }

    /// The hash the engine keys entries by: `Hasher`'s, seeded per process.
    static func hash(_ text: String) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(text)
        return UInt64(UInt(bitPattern: hasher.finalize()))
    }

    /// Whether `attribute` is indexed for some type: when not, no change of it needs the index.
    func indexesAttribute(named attribute: String) -> Bool { attributeNames.contains(attribute) }

    static func normalize(_ value: AttributeValue) -> String { value.text.asciiLowercased() }

    /// The number of distinct hashes held for `attribute` of `type` (`nil` until the type is indexed).
    func entryCount(type: ObjectType, attribute: String) -> Int? {
        tables[AttributePair(type: type, attribute: attribute)]?.count
    }

    /// The objects of `type` whose `attribute` holds `value`. `metaverse` is the current metaverse: the
    /// first lookup of a type indexes its objects there, and every lookup checks its holders' values there.
    mutating func objects(
        type: ObjectType, attribute: String, value: AttributeValue, in metaverse: [MetaverseID: MetaverseObject]
    ) -> Set<MetaverseID> {
        let pair = AttributePair(type: type, attribute: attribute)
        if tables.index(forKey: pair) == nil {
            guard indexed.contains(pair) else { return [] }
            build(type, metaverse)
        }
        let text = Self.normalize(value)
        let holders = tables[pair]!.holders(of: hash(text))
        // Another text may share the hash: only the objects holding this one are its holders.
        return holders.filter { id in
            metaverse[id]?.values(attribute).contains { Self.normalize($0) == text } == true
        }
    }

    /// Makes room for the entries of `count` objects of `type` about to be added (no change to what is indexed).
    mutating func expect(_ count: Int, of type: ObjectType) {
        guard let attributes = attributesByType[type], count > 0 else { return }
        for attribute in attributes {
            guard let index = tables.index(forKey: AttributePair(type: type, attribute: attribute)) else {
                expected[type] = count
                return
            }
            tables.values[index].reserveCapacity(tables.values[index].count + count)
        }
    }

    private mutating func build(_ type: ObjectType, _ metaverse: [MetaverseID: MetaverseObject]) {
        guard let attributes = attributesByType[type] else { return }
        var built = [Table](repeating: Table(), count: attributes.count)
        let count = metaverse.count + (expected.removeValue(forKey: type) ?? 0)
        for position in built.indices { built[position].reserveCapacity(count) }
        for (id, object) in metaverse where object.objectType == type {
            for (position, attribute) in attributes.enumerated() {
                for v in object.attributes[attribute]?.values ?? [] {
                    built[position].insert(id, at: hash(Self.normalize(v)))
                }
            }
        }
        for (attribute, table) in zip(attributes, built) {
            tables[AttributePair(type: type, attribute: attribute)] = table
        }
    }

    /// Whether a change of `attribute` on an object of `type` must be passed to ``update(id:type:attribute:old:new:)``.
    func isMaintained(type: ObjectType, attribute: String) -> Bool {
        tables.index(forKey: AttributePair(type: type, attribute: attribute)) != nil
    }

    /// Keeps the index in step with an attribute's change (a type not indexed yet needs nothing).
    ///
    /// `old` and `new` are all of the object's values of the attribute, before and after. The object
    /// holds a hash in the attribute's table exactly when one of its values of that attribute has that
    /// hash, whatever collides: removing the object from every old value's hash and then adding it to
    /// every new value's leaves it in exactly the new values' hashes, even where an old and a new value
    /// share one (the same text, or a collision), since the add comes after the removal. No other
    /// attribute's values are in the table, so the removal forgets nothing else. Other objects holding
    /// a hash stay in it, as a set keeps them.
    mutating func update(
        id: MetaverseID, type: ObjectType, attribute: String, old: [AttributeValue], new: [AttributeValue]
    ) {
        guard let index = tables.index(forKey: AttributePair(type: type, attribute: attribute)) else { return }
        for v in old { tables.values[index].remove(id, at: hash(Self.normalize(v))) }
        for v in new { tables.values[index].insert(id, at: hash(Self.normalize(v))) }
    }
}
