/// A segment's file name: `EEEEEEEE-SSSSSSSSSSSSSSSS.seg`, its epoch and first seq in hexadecimal,
/// so that names sort in journal order.
public struct SegmentName: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var epoch: UInt64
    public var firstSeq: UInt64

    public static let fileExtension = ".seg"
    public static let indexExtension = ".idx"

    public init(epoch: UInt64, firstSeq: UInt64) {
        self.epoch = epoch
        self.firstSeq = firstSeq
    }

    /// Parses a file name; `nil` if it is not a segment's.
    public init?(fileName: String) {
        guard fileName.hasSuffix(Self.fileExtension) else { return nil }
        let stem = fileName.dropLast(Self.fileExtension.count)
        let parts = stem.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count >= 8, parts[1].count == 16,
            let epoch = UInt64(parts[0], radix: 16), let seq = UInt64(parts[1], radix: 16)
        else { return nil }
        self.init(epoch: epoch, firstSeq: seq)
        guard self.fileName == fileName else { return nil }
        return
    }

    public var fileName: String { "\(Self.pad(epoch, to: 8))-\(Self.pad(firstSeq, to: 16))\(Self.fileExtension)" }
    public var indexFileName: String { fileName.dropLast(Self.fileExtension.count) + Self.indexExtension }
    public var description: String { fileName }

    public static func < (lhs: SegmentName, rhs: SegmentName) -> Bool {
        (lhs.firstSeq, lhs.epoch) < (rhs.firstSeq, rhs.epoch)
    }

    private static func pad(_ value: UInt64, to width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
