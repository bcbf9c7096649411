import Foundation

@testable import TandemJournal

/// A temporary directory removed when the test ends.
final class TemporaryDirectory {
    let path: String

    init(_ label: String = "journal") {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/tandem-test-\(label)-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    var segments: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: path))?.filter { $0.hasSuffix(".seg") }.sorted() ?? []
    }
}

/// A small deterministic random number generator (SplitMix64), so failures reproduce from the seed.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Identity-like events whose content follows from an index.
enum Events {
    static func person(_ index: Int, type: UInt16 = 1, time: Int64? = nil) -> JournalEvent {
        let json = """
            {"anchor":"E\(100_000 + index)","givenName":"Given\(index % 37)","surname":"Surname\(index % 101)",\
            "mail":"user\(index)@example.org","department":"Dept\(index % 7)","manager":"E\(100_000 + index / 10)"}
            """
        return JournalEvent(
            type: type, timeMicroseconds: time ?? 1_790_000_000_000_000 + Int64(index) * 1_000,
            payload: Array(json.utf8))
    }

    static func people(_ range: Range<Int>) -> [JournalEvent] { range.map { person($0) } }
}

/// Small journal options that make segments roll quickly.
func smallOptions(segmentSize: Int = 8 << 10, maxFrameEvents: Int = 64) -> JournalOptions {
    var options = JournalOptions()
    options.segmentSizeBytes = segmentSize
    options.maxFrameEvents = maxFrameEvents
    options.logger.logLevel = .warning
    return options
}

/// Reads every event of the journal in `directory`.
func readAll(_ directory: String) throws -> [StoredEvent] {
    let reader = try JournalReader(directory: directory)
    guard reader.lastSeq > 0 else { return [] }
    return try reader.events(in: 1...reader.lastSeq)
}

func readBytes(_ path: String) -> [UInt8] {
    Array(FileManager.default.contents(atPath: path)!)
}

func writeBytes(_ bytes: [UInt8], to path: String) {
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
}

/// Copies a whole directory tree (journals under test are small).
func copyDirectory(_ from: String, to: String) {
    try? FileManager.default.removeItem(atPath: to)
    try! FileManager.default.copyItem(atPath: from, toPath: to)
}

/// A source journal of `count` events in frames of 1–5 events (a new epoch where `epochs` says), for the
/// shipping tests: its ID, its frames as stored, and the stream of their bytes.
func shippingSource(_ directory: TemporaryDirectory, count: Int, epochs: [Int: UInt64] = [:]) async throws
    -> (id: UUID, frames: [Frame], stream: [UInt8])
{
    let journal = try Journal.open(directory: directory.path, options: smallOptions(segmentSize: 4096))
    var index = 0
    while index < count {
        if let epoch = epochs[index] { try await journal.beginEpoch(epoch) }
        let size = min(1 + index % 5, count - index)
        try await journal.append(contentsOf: Events.people(index..<index + size))
        index += size
    }
    let id = journal.journalID
    await journal.close()
    let cursor = try JournalReader(directory: directory.path).cursor(from: 1)
    var frames: [Frame] = []
    while let frame = try cursor.nextFrame() { frames.append(frame) }
    return (id, frames, frames.flatMap(\.bytes))
}
