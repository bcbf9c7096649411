import ConnectorKit

/// One attribute's values in the journal's encoding (Journal/FORMAT.md, "Engine events": a count, then
/// each value), as a `setAttribute` decision carries them.
///
/// Most metaverse values flow unchanged from a connector-space object (`[mail]`), whose attributes are
/// held in this very encoding (``PackedAttributes``). Carrying the bytes lets sync hand them on as they
/// are: the decision refers to the connector-space object's bytes, and the metaverse and the journal copy
/// them, with no array, string or allocation per value. Values computed by an expression are encoded
/// once, here. Equal values have equal bytes, so equality and hashing read the bytes.
public struct EncodedValues: Hashable, Sendable, ExpressibleByArrayLiteral, CustomStringConvertible {
    // The encoding is `storage[start..<end]`: often a part of a connector-space object's buffer, which it
    // keeps alive. Two 32-bit offsets rather than an `ArraySlice` keep a decision at 48 bytes.
    private let storage: [UInt8]
    private let start: UInt32
    private let end: UInt32

    public init(_ values: [AttributeValue]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(PackedAttributes.valuesSize(values))
        PackedAttributes.appendValues(values, to: &bytes)
        self.init(encoded: bytes, bytes.indices)
    }

    public init(arrayLiteral values: AttributeValue...) { self.init(values) }

    /// Takes `range` of `storage`, already in the encoding (a ``PackedAttributes`` block, or checked by
    /// ``BinaryReader/skipValues()``).
    init(encoded storage: [UInt8], _ range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= storage.count && storage.count <= UInt32.max)
        self.storage = storage
        start = UInt32(range.lowerBound)
        end = UInt32(range.upperBound)
    }

    /// The values, decoded.
    public var values: [AttributeValue] { withUnsafeBufferPointer { PackedAttributes.decodeValues($0) } }

    /// Whether there are no values (the count, first, is zero).
    public var isEmpty: Bool { start == end || storage[Int(start)] == 0 }

    /// The length of the encoding, in bytes.
    var byteCount: Int { Int(end - start) }

    public var description: String { values.description }

    func withUnsafeBufferPointer<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try storage.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[Int(start)..<Int(end)])) }
    }

    public static func == (a: EncodedValues, b: EncodedValues) -> Bool {
        a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in a.elementsEqual(b) } }
    }

    public func hash(into hasher: inout Hasher) {
        withUnsafeBufferPointer { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

extension BinaryWriter {
    mutating func values(_ values: EncodedValues) { values.withUnsafeBufferPointer { raw($0) } }
}

extension BinaryReader {
    /// One attribute's values, checked as ``values()`` reads them, and copied without being decoded.
    mutating func encodedValues() throws(Malformed) -> EncodedValues {
        let start = offset
        try skipValues()
        let copy = withBytes(start..<offset) { Array($0) }
        return EncodedValues(encoded: copy, copy.indices)
    }
}
