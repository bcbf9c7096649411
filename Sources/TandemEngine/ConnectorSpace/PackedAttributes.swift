import ConnectorKit

#if canImport(Glibc)
    import Glibc
#endif

/// A connector-space object's attributes in one buffer: the engine's compact form of ``Attributes``.
///
/// A dictionary of arrays costs a hash table and an array (and often a string) per attribute,
/// about 2.5 KB for a person with 21 attributes; this is one allocation of about 500 bytes. A
/// million people are held in two connector spaces, so this is most of what the state costs.
///
/// The layout is the journal's value encoding (Journal/FORMAT.md, "Engine events") with a length
/// per attribute so that a lookup skips an attribute without reading its values:
///
///     count                      varint, attributes (absent when there are none: the buffer is empty)
///     per attribute, names ascending (`String` order, as the journal's encoding sorts them):
///       name                     varint length, UTF-8
///       block length             varint, bytes of what follows for this attribute
///       values                   varint count, each value as the journal encodes it
///
/// Equal attribute sets have equal bytes, so equality and hashing read the bytes. Reading an
/// attribute decodes its values (a new array); connectors and events keep using ``Attributes``.
public struct PackedAttributes: Hashable, Sendable, Sequence, ExpressibleByDictionaryLiteral,
    CustomStringConvertible
{
    /// The encoding above; empty when there are no attributes.
    private(set) var bytes: [UInt8]

    public init() { bytes = [] }

    public init(_ attributes: Attributes) {
        guard !attributes.isEmpty else {
            bytes = []
            return
        }
        // The exact size: an object's attributes live as long as it does, so no byte is reserved in vain.
        var capacity = Self.varintSize(UInt64(attributes.count))
        for (name, values) in attributes {
            let nameBytes = name.utf8.count
            capacity += Self.attributeSize(
                name: Self.varintSize(UInt64(nameBytes)) + nameBytes, block: Self.valuesSize(values))
        }
        var builder = Builder(count: attributes.count, capacity: capacity)
        for name in attributes.keys.sorted() { builder.append(name, attributes[name]!) }
        assert(builder.bytes.count == capacity, "the packed size was miscounted")
        bytes = builder.bytes
    }

    public init(dictionaryLiteral elements: (String, [AttributeValue])...) {
        self.init(Attributes(elements, uniquingKeysWith: { _, last in last }))
    }

    /// Takes bytes already in the layout above (a ``Builder``'s or a checked copy's).
    init(packed bytes: [UInt8]) { self.bytes = bytes }

    /// The number of attributes.
    public var count: Int {
        guard !bytes.isEmpty else { return 0 }
        return bytes.withUnsafeBufferPointer { buffer in
            var offset = 0
            return Int(Self.varint(buffer, &offset))
        }
    }

    public var isEmpty: Bool { bytes.isEmpty }

    /// The values of `name`, or `nil` when the object has no such attribute. Setting rebuilds the
    /// buffer (for tests and rare edits; sync and import build a whole object at once).
    public subscript(name: String) -> [AttributeValue]? {
        get {
            guard let block = block(of: name) else { return nil }
            return bytes.withUnsafeBufferPointer { buffer in
                var offset = block.lowerBound
                return Self.decodeValues(buffer, &offset)
            }
        }
        set {
            var dictionary = self.dictionary
            dictionary[name] = newValue
            self = PackedAttributes(dictionary)
        }
    }

    /// Whether attribute `name` holds the same values as `values`, in any order (absent holds none). One value,
    /// the common case, is compared encoded, without decoding.
    public func holds(_ name: String, sameValuesAs values: [AttributeValue]) -> Bool {
        var encoded: [UInt8] = []
        Self.appendValues(values, to: &encoded)
        return encoded.withUnsafeBufferPointer { holds(name, sameValuesAsEncoded: $0) }
    }

    /// Whether attribute `name` holds the same values, in any order, as `encoded` (a count, then each value, as
    /// the journal encodes them). Equal bytes, the common case, need no decoding.
    func holds(_ name: String, sameValuesAsEncoded encoded: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let block = block(of: name) else { return encoded.first == 0 }
        return bytes.withUnsafeBufferPointer { buffer in
            let held = UnsafeBufferPointer(rebasing: buffer[block])
            if held.count == encoded.count && memcmp(held.baseAddress!, encoded.baseAddress!, held.count) == 0 {
                return true
            }
            var heldOffset = 0
            var otherOffset = 0
            let count = Self.varint(held, &heldOffset)
            guard count > 1, Self.varint(encoded, &otherOffset) == count else { return false }
            return Self.decodeValues(held).sorted() == Self.decodeValues(encoded).sorted()
        }
    }

    /// `name`'s values as they are encoded, when a direct flow (`[name]`) passes them on unchanged: some
    /// values, none of them an empty string (a flow leaves those out) or a reference (a flow translates those
    /// to metaverse objects). `nil` otherwise, and the flow evaluates the decoded values instead.
    ///
    /// The result shares this object's buffer: nothing is copied or allocated.
    func plainValues(_ name: String) -> EncodedValues? {
        block(of: name).flatMap { Self.plainValues(bytes, $0) }
    }

    /// The values block at `block` of `bytes`, sharing them, if it holds plain values (see above).
    static func plainValues(_ bytes: [UInt8], _ block: Range<Int>) -> EncodedValues? {
        let plain = bytes.withUnsafeBufferPointer { holdsPlainValues(UnsafeBufferPointer(rebasing: $0[block])) }
        return plain ? EncodedValues(encoded: bytes, block) : nil
    }

    /// Whether a values block holds values, none of them an empty string or a reference.
    private static func holdsPlainValues(_ block: UnsafeBufferPointer<UInt8>) -> Bool {
        var offset = 0
        let count = varint(block, &offset)
        guard count > 0 else { return false }
        for _ in 0..<count {
            let tag = block[offset]
            offset += 1
            switch tag {
            case 0:
                let length = Int(varint(block, &offset))
                if length == 0 { return false }
                offset += length
            case 3: offset += Int(varint(block, &offset))
            case 1, 4: _ = varint(block, &offset)
            case 2: offset += 1
            default: return false  // a reference
            }
        }
        return true
    }

    /// These attributes without those that hold no values (an add writes no empty ones).
    func withoutEmptyAttributes() -> PackedAttributes {
        var empty = 0
        forEachEncoded { _, block in if block.first == 0 { empty += 1 } }
        guard empty > 0 else { return self }
        var builder = Builder(count: count - empty)
        forEachEncoded { name, block in if block.first != 0 { builder.append(name: name, block: block) } }
        return builder.finish()
    }

    /// The values encoded in `block` (a count, then each value).
    static func decodeValues(_ block: UnsafeBufferPointer<UInt8>) -> [AttributeValue] {
        var offset = 0
        return decodeValues(block, &offset)
    }

    /// Whether the object has attribute `name` (without decoding its values).
    public func contains(_ name: String) -> Bool { block(of: name) != nil }

    /// The attribute names, ascending.
    public var keys: [String] {
        var names: [String] = []
        names.reserveCapacity(count)
        forEachEncoded { name, _ in names.append(name) }
        return names
    }

    /// Every attribute's values, in name order.
    public var values: [[AttributeValue]] { map(\.value) }

    /// The attributes as a dictionary (what connectors and events use).
    public var dictionary: Attributes {
        var result = Attributes(minimumCapacity: count)
        for (name, values) in self { result[name] = values }
        return result
    }

    /// Applies an imported change to one attribute.
    public mutating func apply(_ change: AttributeChange) {
        var dictionary = self.dictionary
        change.apply(to: &dictionary)
        self = PackedAttributes(dictionary)
    }

    /// Whether some value of some attribute satisfies `predicate`.
    public func containsValue(where predicate: (AttributeValue) -> Bool) -> Bool {
        for (_, values) in self where values.contains(where: predicate) { return true }
        return false
    }

    public var description: String { dictionary.description }

    // MARK: Iteration

    public func makeIterator() -> Iterator { Iterator(bytes: bytes) }

    /// The attributes in ascending name order, each decoded as it is reached.
    public struct Iterator: IteratorProtocol {
        private let bytes: [UInt8]
        private var offset = 0
        private var left: Int

        init(bytes: [UInt8]) {
            self.bytes = bytes
            var offset = 0
            left =
                bytes.isEmpty ? 0 : bytes.withUnsafeBufferPointer { Int(PackedAttributes.varint($0, &offset)) }
            self.offset = offset
        }

        public mutating func next() -> (key: String, value: [AttributeValue])? {
            guard left > 0 else { return nil }
            left -= 1
            return bytes.withUnsafeBufferPointer { buffer in
                let name = PackedAttributes.string(buffer, &offset)
                _ = PackedAttributes.varint(buffer, &offset)
                return (name, PackedAttributes.decodeValues(buffer, &offset))
            }
        }
    }

    // MARK: Building

    /// Builds the layout from attributes given in ascending name order.
    struct Builder {
        private(set) var bytes: [UInt8] = []
        private let expected: Int
        private var appended = 0

        init(count: Int, capacity: Int = 256) {
            expected = count
            if count > 0 {
                bytes.reserveCapacity(capacity)
                PackedAttributes.appendVarint(UInt64(count), to: &bytes)
            }
        }

        /// Appends one attribute; names must come in ascending order. The values are encoded in place: their
        /// length is worked out first, so no intermediate buffer is made.
        mutating func append(_ name: String, _ values: [AttributeValue]) {
            appendName(name)
            PackedAttributes.appendVarint(UInt64(PackedAttributes.valuesSize(values)), to: &bytes)
            PackedAttributes.appendValues(values, to: &bytes)
            appended += 1
        }

        private mutating func appendName(_ name: String) {
            var name = name
            name.withUTF8 { utf8 in
                PackedAttributes.appendVarint(UInt64(utf8.count), to: &bytes)
                bytes.append(contentsOf: utf8)
            }
        }

        /// Appends one attribute whose values are already encoded (count, then each value).
        mutating func append<Block: Collection<UInt8>>(name: String, block: Block) {
            appendName(name)
            PackedAttributes.appendVarint(UInt64(block.count), to: &bytes)
            bytes.append(contentsOf: block)
            appended += 1
        }

        /// The attributes; all `count` of them must have been appended.
        func finish() -> PackedAttributes {
            precondition(appended == expected, "a packed attribute set was given \(appended) of \(expected) attributes")
            return PackedAttributes(packed: bytes)
        }
    }

    // MARK: Reading the layout

    /// Calls `body` with each attribute's name and its values as the journal encodes them (count, then
    /// each value), in name order, without decoding the values.
    func forEachEncoded(_ body: (String, UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        guard !bytes.isEmpty else { return }
        try bytes.withUnsafeBufferPointer { buffer in
            var offset = 0
            let count = Self.varint(buffer, &offset)
            for _ in 0..<count {
                let name = Self.string(buffer, &offset)
                let blockLength = Int(Self.varint(buffer, &offset))
                try body(name, UnsafeBufferPointer(rebasing: buffer[offset..<offset + blockLength]))
                offset += blockLength
            }
        }
    }

    /// Where `name`'s values (count, then values) lie in `bytes`.
    private func block(of name: String) -> Range<Int>? {
        guard !bytes.isEmpty else { return nil }
        var name = name
        return name.withUTF8 { wanted in
            bytes.withUnsafeBufferPointer { buffer -> Range<Int>? in
                var offset = 0
                let count = Self.varint(buffer, &offset)
                for _ in 0..<count {
                    let nameLength = Int(Self.varint(buffer, &offset))
                    let nameStart = offset
                    offset += nameLength
                    let blockLength = Int(Self.varint(buffer, &offset))
                    if nameLength == wanted.count
                        && (nameLength == 0
                            || memcmp(buffer.baseAddress! + nameStart, wanted.baseAddress!, nameLength) == 0)
                    {
                        return offset..<offset + blockLength
                    }
                    offset += blockLength
                }
                return nil
            }
        }
    }

    /// The canonical encoding of the journal (``BinaryWriter/attributes(_:)``): without the block lengths.
    func writeCanonical(to w: inout BinaryWriter) { write(to: &w) { w, block in w.raw(block) } }

    /// Writes the count, then each attribute's name as encoded (length, UTF-8) followed by what `writeValues`
    /// writes for its values block (count, then each value): the journal's and the digest's layouts.
    fileprivate func write(
        to w: inout BinaryWriter, writeValues: (inout BinaryWriter, UnsafeBufferPointer<UInt8>) -> Void
    ) {
        guard !bytes.isEmpty else {
            w.count(0)
            return
        }
        bytes.withUnsafeBufferPointer { buffer in
            var offset = 0
            let count = Self.varint(buffer, &offset)
            w.count(Int(count))
            for _ in 0..<count {
                let nameStart = offset
                let nameLength = Int(Self.varint(buffer, &offset))
                offset += nameLength
                w.raw(UnsafeBufferPointer(rebasing: buffer[nameStart..<offset]))
                let blockLength = Int(Self.varint(buffer, &offset))
                writeValues(&w, UnsafeBufferPointer(rebasing: buffer[offset..<offset + blockLength]))
                offset += blockLength
            }
        }
    }

    // The buffer was built by this type or checked when it was read, so these do not check bounds twice.

    @inline(__always)
    static func varint(_ buffer: UnsafeBufferPointer<UInt8>, _ offset: inout Int) -> UInt64 {
        // Names, lengths and counts nearly always fit one byte.
        let first = buffer[offset]
        if first < 0x80 {
            offset += 1
            return UInt64(first)
        }
        return longVarint(buffer, &offset)
    }

    private static func longVarint(_ buffer: UnsafeBufferPointer<UInt8>, _ offset: inout Int) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = buffer[offset]
            offset += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
    }

    static func varintSize(_ value: UInt64) -> Int { value < 0x80 ? 1 : (64 - value.leadingZeroBitCount + 6) / 7 }

    /// What ``BinaryWriter/values(_:)`` writes for `values` (count, then each value), in bytes.
    static func valuesSize(_ values: [AttributeValue]) -> Int {
        var size = varintSize(UInt64(values.count))
        for value in values { size += encodedSize(value) }
        return size
    }

    /// Appends `values` as ``BinaryWriter/values(_:)`` writes them.
    static func appendValues(_ values: [AttributeValue], to bytes: inout [UInt8]) {
        appendVarint(UInt64(values.count), to: &bytes)
        for value in values { append(value, to: &bytes) }
    }

    /// What ``BinaryWriter/value(_:)`` writes for `value`, in bytes.
    static func encodedSize(_ value: AttributeValue) -> Int {
        switch value {
        case .string(let text): return 1 + varintSize(UInt64(text.utf8.count)) + text.utf8.count
        case .integer(let number): return 1 + varintSize(zigzagged(number))
        case .boolean: return 2
        case .binary(let raw): return 1 + varintSize(UInt64(raw.count)) + raw.count
        case .date(let micros): return 1 + varintSize(zigzagged(micros))
        case .reference(let anchor):
            return 1 + varintSize(UInt64(anchor.rawValue.utf8.count)) + anchor.rawValue.utf8.count
        }
    }

    /// Appends `value` as ``BinaryWriter/value(_:)`` writes it.
    static func append(_ value: AttributeValue, to bytes: inout [UInt8]) {
        func text(_ text: String) {
            var text = text
            text.withUTF8 { utf8 in
                appendVarint(UInt64(utf8.count), to: &bytes)
                bytes.append(contentsOf: utf8)
            }
        }
        switch value {
        case .string(let value):
            bytes.append(0)
            text(value)
        case .integer(let number):
            bytes.append(1)
            appendVarint(zigzagged(number), to: &bytes)
        case .boolean(let flag):
            bytes.append(2)
            bytes.append(flag ? 1 : 0)
        case .binary(let raw):
            bytes.append(3)
            appendVarint(UInt64(raw.count), to: &bytes)
            bytes.append(contentsOf: raw)
        case .date(let micros):
            bytes.append(4)
            appendVarint(zigzagged(micros), to: &bytes)
        case .reference(let anchor):
            bytes.append(5)
            text(anchor.rawValue)
        }
    }

    private static func zigzagged(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }

    static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    static func string(_ buffer: UnsafeBufferPointer<UInt8>, _ offset: inout Int) -> String {
        let length = Int(varint(buffer, &offset))
        let utf8 = UnsafeBufferPointer(rebasing: buffer[offset..<offset + length])
        offset += length
        // Checked as UTF-8 when the bytes entered the buffer.
        return String(decoding: utf8, as: UTF8.self)
    }

    static func decodeValues(_ buffer: UnsafeBufferPointer<UInt8>, _ offset: inout Int) -> [AttributeValue] {
        let count = Int(varint(buffer, &offset))
        var values: [AttributeValue] = []
        values.reserveCapacity(count)
        for _ in 0..<count {
            let tag = buffer[offset]
            offset += 1
            switch tag {
            case 0: values.append(.string(string(buffer, &offset)))
            case 1: values.append(.integer(zigzag(varint(buffer, &offset))))
            case 2:
                values.append(.boolean(buffer[offset] != 0))
                offset += 1
            case 3:
                let length = Int(varint(buffer, &offset))
                values.append(.binary(Array(buffer[offset..<offset + length])))
                offset += length
            case 4: values.append(.date(microsecondsSince1970: zigzag(varint(buffer, &offset))))
            default: values.append(.reference(Anchor(string(buffer, &offset))))
            }
        }
        return values
    }

    private static func zigzag(_ raw: UInt64) -> Int64 {
        Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }
}

extension BinaryWriter {
    /// Attributes in the journal's canonical encoding (as ``attributes(_:)`` writes them).
    mutating func attributes(_ attributes: PackedAttributes) { attributes.writeCanonical(to: &self) }
}

extension BinaryReader {
    /// Attributes in the journal's canonical encoding, checked (names ascending and distinct, values
    /// well formed) and packed without making a dictionary.
    mutating func packedAttributes() throws(Malformed) -> PackedAttributes {
        let count = try self.count()
        guard count > 0 else { return PackedAttributes() }
        // Checked and measured first, then packed into a buffer allocated once at its exact size. A name
        // in the journal's encoding (varint length, UTF-8) is laid out as the buffer lays it out, so names
        // and values are copied as they are: a String is made only for an error's message.
        let first = offset
        var size = 0
        var spans: [(name: Range<Int>, block: Range<Int>)] = []
        spans.reserveCapacity(Swift.min(count, 64))
        var previous: Range<Int>?
        for _ in 0..<count {
            let nameStart = offset
            let name = try stringBytes()
            try checkUTF8(name)
            let order = withBytes(first..<name.upperBound) { bytes in
                guard let previous else { return -1 }
                func utf8(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> {
                    UnsafeBufferPointer(rebasing: bytes[range.lowerBound - first..<range.upperBound - first])
                }
                return MetaverseAttributes.compare(utf8(previous), utf8(name))
            }
            guard order < 0 else {
                throw Malformed(
                    reason: "attribute '\(try string(at: name))' is out of order or repeated", offset: offset)
            }
            previous = name
            let blockStart = offset
            try skipValues()
            spans.append((nameStart..<name.upperBound, blockStart..<offset))
            size += PackedAttributes.attributeSize(name: name.upperBound - nameStart, block: offset - blockStart)
        }
        return withBytes(first..<offset) { source in
            PackedAttributes.exactly(count: count, size: size) { buffer, at in
                for span in spans {
                    buffer.put(source, span.name.lowerBound - first..<span.name.upperBound - first, at: &at)
                    buffer.putBlock(source, span.block.lowerBound - first..<span.block.upperBound - first, at: &at)
                }
            }
        }
    }
}

extension PackedAttributes {
    /// The bytes an attribute takes in the layout: its name as encoded (`name` bytes, length included), then
    /// its values' block with the block's length.
    static func attributeSize(name: Int, block: Int) -> Int { name + varintSize(UInt64(block)) + block }

    /// `count` attributes in one buffer allocated at its exact size: `fill` writes the attributes (`size` bytes
    /// in all, see ``attributeSize(name:block:)``) after the count.
    static func exactly(
        count: Int, size: Int, _ fill: (UnsafeMutableBufferPointer<UInt8>, inout Int) -> Void
    ) -> PackedAttributes {
        guard count > 0 else { return PackedAttributes() }
        let total = varintSize(UInt64(count)) + size
        return PackedAttributes(
            packed: [UInt8](unsafeUninitializedCapacity: total) { buffer, initialized in
                var at = 0
                buffer.putVarint(UInt64(count), at: &at)
                fill(buffer, &at)
                precondition(at == total, "packed attributes were measured wrong")
                initialized = at
            })
    }
}

/// Writing a packed buffer made at its exact size (see ``BinaryReader/packedAttributes()``).
extension UnsafeMutableBufferPointer<UInt8> {
    /// Writes `value` as a varint at `offset` and moves past it.
    func putVarint(_ value: UInt64, at offset: inout Int) {
        var value = value
        while value >= 0x80 {
            self[offset] = UInt8(truncatingIfNeeded: value) | 0x80
            value >>= 7
            offset += 1
        }
        self[offset] = UInt8(value)
        offset += 1
    }

    /// Writes a values' block (`range` of `source`) after its length, at `offset`, and moves past it.
    func putBlock(_ source: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, at offset: inout Int) {
        putVarint(UInt64(range.count), at: &offset)
        put(source, range, at: &offset)
    }

    /// Copies `range` of `source` to `offset` and moves past it.
    func put(_ source: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, at offset: inout Int) {
        precondition(offset + range.count <= count, "a copy past the end of a buffer")
        _ = UnsafeMutableBufferPointer(rebasing: self[offset..<offset + range.count])
            .update(fromContentsOf: UnsafeBufferPointer(rebasing: source[range]))
        offset += range.count
    }
}

extension PackedAttributes {
    /// The state digest's canonical form (``EngineState/canonical(_:to:)``): names ascending, each
    /// attribute's values sorted.
    func writeForDigest(to w: inout BinaryWriter) {
        write(to: &w) { w, block in Self.writeValuesForDigest(block, to: &w) }
    }

    /// One attribute's encoded values (count, then each value) in the digest's form: sorted.
    static func writeValuesForDigest(_ block: UnsafeBufferPointer<UInt8>, to w: inout BinaryWriter) {
        var offset = 0
        if varint(block, &offset) <= 1 {
            w.raw(block)  // zero or one value: already in order
        } else {
            w.values(decodeValues(block).sorted())
        }
    }
}

extension PackedAttributes {
    /// Calls `body` with every reference value of every attribute, without decoding other values.
    func forEachReference(_ body: (Anchor) throws -> Void) rethrows {
        try forEachReferenceBytes { buffer in
            try body(Anchor(String(decoding: buffer, as: UTF8.self)))
        }
    }

    /// Whether some attribute holds a reference to `anchor`.
    func containsReference(to anchor: Anchor) -> Bool {
        var text = anchor.rawValue
        return text.withUTF8 { wanted in
            var found = false
            forEachReferenceBytes { buffer in
                if !found && buffer.count == wanted.count
                    && (buffer.isEmpty || memcmp(buffer.baseAddress!, wanted.baseAddress!, buffer.count) == 0)
                {
                    found = true
                }
            }
            return found
        }
    }

    private func forEachReferenceBytes(_ body: (UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        guard !bytes.isEmpty else { return }
        try bytes.withUnsafeBufferPointer { buffer in
            var offset = 0
            let count = Self.varint(buffer, &offset)
            for _ in 0..<count {
                offset += Int(Self.varint(buffer, &offset))  // the name
                let blockLength = Int(Self.varint(buffer, &offset))
                try Self.forEachReference(
                    inValues: UnsafeBufferPointer(rebasing: buffer[offset..<offset + blockLength]), body)
                offset += blockLength
            }
        }
    }

    /// Calls `body` with the UTF-8 of each reference among `block`'s values (count, then each value).
    static func forEachReference(
        inValues block: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) rethrows {
        var offset = 0
        let values = varint(block, &offset)
        for _ in 0..<values {
            let tag = block[offset]
            offset += 1
            switch tag {
            case 0, 3:
                offset += Int(varint(block, &offset))
            case 1, 4: _ = varint(block, &offset)
            case 2: offset += 1
            default:
                let length = Int(varint(block, &offset))
                try body(UnsafeBufferPointer(rebasing: block[offset..<offset + length]))
                offset += length
            }
        }
    }
}
