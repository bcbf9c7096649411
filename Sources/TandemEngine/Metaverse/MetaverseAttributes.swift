import ConnectorKit

#if canImport(Glibc)
    import Glibc
#endif

/// A metaverse object's attributes in one buffer plus one contributor per attribute: the metaverse's
/// compact form of `[String: MetaverseValue]`, as ``PackedAttributes`` is the connector spaces'.
///
/// A dictionary of ``MetaverseValue`` costs a hash table, an array per attribute and often a string,
/// about 3 KB for a person with 21 attributes; this is two allocations of about 700 bytes together. The
/// contributors are shared records (see ``Contributor``), so the array holds one pointer per attribute.
///
/// The layout, per attribute with names ascending (`String` order) and no leading count, so that sync,
/// which sets a new object's attributes in name order, appends in place:
///
///     name                       varint length, UTF-8
///     flags                      1 byte: 1 if the attribute is an AuthoritativeNull (its values are empty)
///     block length               varint, bytes of what follows for this attribute
///     values                     varint count, each value as the journal encodes it
///
/// `contributors[i]` is the contributor of the i-th attribute in that order. Equal attribute sets have
/// equal bytes and equal contributors, so equality and hashing read those.
public struct MetaverseAttributes: Hashable, Sendable, Sequence, ExpressibleByDictionaryLiteral,
    CustomStringConvertible
{
    private(set) var bytes: [UInt8] = []
    private(set) var contributors: [Contributor] = []
    /// Where the last attribute starts in `bytes` (0 when there is none): an append compares its name with
    /// that one only, instead of looking the name up.
    private var lastStart = 0

    public init() {}

    /// Takes bytes already in the layout above, with one contributor per attribute and where the last
    /// attribute starts (a checkpoint's, checked as it was read).
    init(packed bytes: [UInt8], contributors: [Contributor], lastStart: Int) {
        self.bytes = bytes
        self.contributors = contributors
        self.lastStart = lastStart
    }

    public init(_ attributes: [String: MetaverseValue]) {
        var builder = Builder(capacity: attributes.count)
        for name in attributes.keys.sorted() { builder.append(name, attributes[name]!) }
        self = builder.finish()
    }

    public init(dictionaryLiteral elements: (String, MetaverseValue)...) {
        self.init([String: MetaverseValue](elements, uniquingKeysWith: { _, last in last }))
    }

    public var count: Int { contributors.count }

    public var isEmpty: Bool { contributors.isEmpty }

    /// Makes room for `count` attributes of about 32 bytes each.
    public mutating func reserveCapacity(_ count: Int) { reserveCapacity(count, bytes: count * 32) }

    /// Makes room for `count` attributes taking `bytes` in all (see ``encodedSize(_:values:)``).
    mutating func reserveCapacity(_ count: Int, bytes: Int) {
        self.bytes.reserveCapacity(self.bytes.count + bytes)
        contributors.reserveCapacity(contributors.count + count)
    }

    /// The bytes an attribute takes in the layout.
    static func encodedSize(_ name: String, values: [AttributeValue]) -> Int {
        encodedSize(name, valuesLength: PackedAttributes.valuesSize(values))
    }

    /// The bytes an attribute takes in the layout.
    static func encodedSize(_ name: String, values: EncodedValues) -> Int {
        encodedSize(name, valuesLength: values.byteCount)
    }

    private static func encodedSize(_ name: String, valuesLength length: Int) -> Int {
        let nameLength = name.utf8.count
        return PackedAttributes.varintSize(UInt64(nameLength)) + nameLength + 1
            + PackedAttributes.varintSize(UInt64(length)) + length
    }

    /// The attribute `name` with its contributor, or `nil` when the object has no such attribute. Setting
    /// an attribute that sorts after every present one appends in place; any other change rebuilds the buffer.
    public subscript(name: String) -> MetaverseValue? {
        get {
            guard let found = find(name) else { return nil }
            return value(at: found)
        }
        set {
            if let newValue {
                store(
                    name, values: EncodedValues(newValue.isAuthoritativeNull ? [] : newValue.values),
                    contributor: newValue.contributor, isAuthoritativeNull: newValue.isAuthoritativeNull)
            } else {
                remove(name)
            }
        }
    }

    /// The values of `name`: empty when it is absent or an AuthoritativeNull.
    public func values(of name: String) -> [AttributeValue] {
        guard let found = find(name), !found.isAuthoritativeNull else { return [] }
        return bytes.withUnsafeBufferPointer { buffer in
            var offset = found.block.lowerBound
            return PackedAttributes.decodeValues(buffer, &offset)
        }
    }

    /// Whether `name` currently holds exactly `values` (in this order) from `contributor`, not as an
    /// AuthoritativeNull: sync's test for "nothing to change", made without decoding the values.
    func holds(_ name: String, values: EncodedValues, contributor: Contributor) -> Bool {
        guard let found = find(name), !found.isAuthoritativeNull,
            contributors[found.index] == contributor
        else { return false }
        return values.withUnsafeBufferPointer { encoded in
            encoded.count == found.block.count
                && bytes.withUnsafeBufferPointer {
                    memcmp($0.baseAddress! + found.block.lowerBound, encoded.baseAddress!, encoded.count) == 0
                }
        }
    }

    /// `name`'s values as they are encoded, when a direct flow (`[name]`) passes them on unchanged (see
    /// ``PackedAttributes/plainValues(_:)``); `nil` otherwise. Shares this object's buffer.
    func plainValues(_ name: String) -> EncodedValues? {
        guard let found = find(name), !found.isAuthoritativeNull else { return nil }
        return PackedAttributes.plainValues(bytes, found.block)
    }

    /// Whether the object has attribute `name` (values or an AuthoritativeNull).
    public func contains(_ name: String) -> Bool { find(name) != nil }

    /// Whether `name` is an AuthoritativeNull set by `contributor`.
    func holdsAuthoritativeNull(_ name: String, contributor: Contributor) -> Bool {
        guard let found = find(name), found.isAuthoritativeNull else { return false }
        return contributors[found.index] == contributor
    }

    /// Sets `name` (values empty and not an AuthoritativeNull removes it).
    mutating func set(_ name: String, values: EncodedValues, contributor: Contributor, isAuthoritativeNull: Bool) {
        if values.isEmpty && !isAuthoritativeNull { return remove(name) }
        store(name, values: values, contributor: contributor, isAuthoritativeNull: isAuthoritativeNull)
    }

    /// Sets `name` to exactly this (also to no values; an AuthoritativeNull's `values` are empty).
    private mutating func store(
        _ name: String, values: EncodedValues, contributor: Contributor, isAuthoritativeNull: Bool
    ) {
        if contributors.isEmpty || sortsBefore(nameAt: lastStart, name) {
            // After every present attribute (sync sets a new object's attributes in name order): in place.
            lastStart = bytes.count
            Self.appendAttribute(name, values: values, isAuthoritativeNull: isAuthoritativeNull, to: &bytes)
            contributors.append(contributor)
            return
        }
        let at: (index: Int, start: Int, end: Int)
        switch lookup(name) {
        case .found(let found):
            at = (found.index, found.start, found.end)
            contributors[found.index] = contributor
        case .absent:
            let insertion = insertionPoint(name)
            at = (insertion.index, insertion.start, insertion.start)
            contributors.insert(contributor, at: insertion.index)
        }
        var rebuilt: [UInt8] = []
        rebuilt.reserveCapacity(bytes.count + 64)
        rebuilt.append(contentsOf: bytes[..<at.start])
        Self.appendAttribute(name, values: values, isAuthoritativeNull: isAuthoritativeNull, to: &rebuilt)
        rebuilt.append(contentsOf: bytes[at.end...])
        bytes = rebuilt
        lastStart = Self.lastStart(of: bytes, count: contributors.count)
    }

    mutating func remove(_ name: String) {
        guard let found = find(name) else { return }
        bytes.removeSubrange(found.start..<found.end)
        contributors.remove(at: found.index)
        lastStart = Self.lastStart(of: bytes, count: contributors.count)
    }

    /// The attribute names, ascending.
    public var keys: [String] {
        var names: [String] = []
        names.reserveCapacity(count)
        forEachEncoded { name, _, _, _ in names.append(name) }
        return names
    }

    /// Every attribute, in name order.
    public var values: [MetaverseValue] { map(\.value) }

    public var dictionary: [String: MetaverseValue] {
        var result = [String: MetaverseValue](minimumCapacity: count)
        for (name, value) in self { result[name] = value }
        return result
    }

    public var description: String { dictionary.description }

    // MARK: Iteration

    public func makeIterator() -> Iterator { Iterator(attributes: self) }

    /// The attributes in ascending name order, each decoded as it is reached.
    public struct Iterator: IteratorProtocol {
        private let attributes: MetaverseAttributes
        private var offset = 0
        private var index = 0

        init(attributes: MetaverseAttributes) { self.attributes = attributes }

        public mutating func next() -> (key: String, value: MetaverseValue)? {
            guard index < attributes.contributors.count else { return nil }
            let contributor = attributes.contributors[index]
            index += 1
            return attributes.bytes.withUnsafeBufferPointer { buffer in
                let name = PackedAttributes.string(buffer, &offset)
                let isNull = buffer[offset] & 1 != 0
                offset += 1
                _ = PackedAttributes.varint(buffer, &offset)
                let values = PackedAttributes.decodeValues(buffer, &offset)
                return (name, MetaverseValue(values: values, contributor: contributor, isAuthoritativeNull: isNull))
            }
        }
    }

    /// Calls `body` with each attribute's name, whether it is an AuthoritativeNull, its contributor and its
    /// values as the journal encodes them (count, then each value), in name order, without decoding values.
    func forEachEncoded(
        _ body: (String, Bool, Contributor, UnsafeBufferPointer<UInt8>) throws -> Void
    ) rethrows {
        try bytes.withUnsafeBufferPointer { buffer in
            var offset = 0
            for contributor in contributors {
                let name = PackedAttributes.string(buffer, &offset)
                let isNull = buffer[offset] & 1 != 0
                offset += 1
                let blockLength = Int(PackedAttributes.varint(buffer, &offset))
                try body(
                    name, isNull, contributor, UnsafeBufferPointer(rebasing: buffer[offset..<offset + blockLength]))
                offset += blockLength
            }
        }
    }

    /// Calls `body` with the metaverse object each reference value names (`mv:N`), without decoding other
    /// values.
    func forEachReferencedObject(_ body: (MetaverseID) throws -> Void) rethrows {
        try forEachEncoded { _, _, _, block in
            try PackedAttributes.forEachReference(inValues: block) { utf8 in
                if let id = MetaverseReference.id(Anchor(String(decoding: utf8, as: UTF8.self))) { try body(id) }
            }
        }
    }

    // MARK: Building

    /// Builds attributes given in ascending name order.
    struct Builder {
        private var attributes = MetaverseAttributes()
        private var previous: String?

        init(capacity: Int) { attributes.reserveCapacity(capacity) }

        mutating func append(_ name: String, _ value: MetaverseValue) {
            checkOrder(name)
            attributes.lastStart = attributes.bytes.count
            MetaverseAttributes.appendAttribute(
                name, values: EncodedValues(value.isAuthoritativeNull ? [] : value.values),
                isAuthoritativeNull: value.isAuthoritativeNull, to: &attributes.bytes)
            attributes.contributors.append(value.contributor)
        }

        /// Whether `name` may come next (it sorts after every name appended so far).
        private func accepts(_ name: String) -> Bool { previous.map { $0 < name } ?? true }

        private mutating func checkOrder(_ name: String) {
            precondition(accepts(name), "metaverse attribute '\(name)' appended out of order")
            previous = name
        }

        func finish() -> MetaverseAttributes { attributes }
    }

    // MARK: The layout

    /// Where an attribute is: its index among the attributes and its byte ranges.
    private struct Position {
        var index: Int
        var start: Int
        var end: Int
        var isAuthoritativeNull: Bool
        var block: Range<Int>
    }

    private enum Lookup {
        case found(Position)
        case absent
    }

    /// The attribute `name`, compared by its bytes (as ``PackedAttributes`` compares names).
    private func find(_ name: String) -> Position? {
        if case .found(let position) = lookup(name) { return position }
        return nil
    }

    private func lookup(_ name: String) -> Lookup {
        guard !contributors.isEmpty else { return .absent }
        var name = name
        return name.withUTF8 { wanted in
            bytes.withUnsafeBufferPointer { buffer -> Lookup in
                var offset = 0
                for index in contributors.indices {
                    let start = offset
                    let nameLength = Int(PackedAttributes.varint(buffer, &offset))
                    let nameStart = offset
                    offset += nameLength
                    if nameLength == wanted.count
                        && (nameLength == 0
                            || (buffer[nameStart] == wanted[0]
                                && memcmp(buffer.baseAddress! + nameStart, wanted.baseAddress!, nameLength) == 0))
                    {
                        let flags = buffer[offset]
                        offset += 1
                        let blockLength = Int(PackedAttributes.varint(buffer, &offset))
                        return .found(
                            Position(
                                index: index, start: start, end: offset + blockLength,
                                isAuthoritativeNull: flags & 1 != 0, block: offset..<offset + blockLength))
                    }
                    offset += 1
                    offset += Int(PackedAttributes.varint(buffer, &offset))
                }
                return .absent
            }
        }
    }

    /// Whether the name of the attribute starting at `start` sorts before `name`.
    private func sortsBefore(nameAt start: Int, _ name: String) -> Bool {
        var name = name
        return name.withUTF8 { wanted in
            bytes.withUnsafeBufferPointer { buffer in
                var offset = start
                let length = Int(PackedAttributes.varint(buffer, &offset))
                return Self.compare(UnsafeBufferPointer(rebasing: buffer[offset..<offset + length]), wanted) < 0
            }
        }
    }

    /// Where the last of `count` attributes starts in `bytes`.
    private static func lastStart(of bytes: [UInt8], count: Int) -> Int {
        guard count > 1 else { return 0 }
        return bytes.withUnsafeBufferPointer { buffer in
            var offset = 0
            for _ in 0..<count - 1 {
                offset += Int(PackedAttributes.varint(buffer, &offset)) + 1
                offset += Int(PackedAttributes.varint(buffer, &offset))
            }
            return offset
        }
    }

    /// Where an absent attribute `name` goes: before the first attribute that sorts after it.
    private func insertionPoint(_ name: String) -> (index: Int, start: Int) {
        var name = name
        return name.withUTF8 { wanted in
            bytes.withUnsafeBufferPointer { buffer in
                var offset = 0
                for index in contributors.indices {
                    let start = offset
                    let nameLength = Int(PackedAttributes.varint(buffer, &offset))
                    let held = UnsafeBufferPointer(rebasing: buffer[offset..<offset + nameLength])
                    if Self.compare(held, wanted) >= 0 { return (index, start) }
                    offset += nameLength + 1
                    offset += Int(PackedAttributes.varint(buffer, &offset))
                }
                return (contributors.count, offset)
            }
        }
    }

    private func value(at position: Position) -> MetaverseValue {
        bytes.withUnsafeBufferPointer { buffer in
            var offset = position.block.lowerBound
            return MetaverseValue(
                values: PackedAttributes.decodeValues(buffer, &offset), contributor: contributors[position.index],
                isAuthoritativeNull: position.isAuthoritativeNull)
        }
    }

    /// -1, 0 or 1 as `held` sorts before, equal to or after `wanted` in `String` order (byte order for
    /// ASCII, which attribute names nearly always are).
    static func compare(_ held: UnsafeBufferPointer<UInt8>, _ wanted: UnsafeBufferPointer<UInt8>) -> Int {
        if held.allSatisfy({ $0 < 0x80 }) && wanted.allSatisfy({ $0 < 0x80 }) {
            let common = Swift.min(held.count, wanted.count)
            let order = common == 0 ? 0 : memcmp(held.baseAddress!, wanted.baseAddress!, common)
            if order != 0 { return order < 0 ? -1 : 1 }
            return held.count == wanted.count ? 0 : (held.count < wanted.count ? -1 : 1)
        }
        let a = String(decoding: held, as: UTF8.self)
        let b = String(decoding: wanted, as: UTF8.self)
        return a == b ? 0 : (a < b ? -1 : 1)
    }

    private static func appendName(_ name: String, isAuthoritativeNull: Bool, to bytes: inout [UInt8]) {
        var name = name
        name.withUTF8 { utf8 in
            PackedAttributes.appendVarint(UInt64(utf8.count), to: &bytes)
            bytes.append(contentsOf: utf8)
        }
        bytes.append(isAuthoritativeNull ? 1 : 0)
    }

    private static func appendAttribute(
        _ name: String, values: EncodedValues, isAuthoritativeNull: Bool, to bytes: inout [UInt8]
    ) {
        appendName(name, isAuthoritativeNull: isAuthoritativeNull, to: &bytes)
        values.withUnsafeBufferPointer { block in
            PackedAttributes.appendVarint(UInt64(block.count), to: &bytes)
            bytes.append(contentsOf: block)
        }
    }
}
