// Writes the seed corpus for JournalFuzz: a small real journal written through the public
// API (several segments, two epochs, zlib and stored frames), then each segment file and a
// few variants of it (header only, cut inside a frame, frame stream without the segment
// header, single frames) into the corpus directory.
//
// NOT part of any SwiftPM target: .ci/fuzz compiles it with swiftc against the same
// objects as the fuzz target. Usage: seed-writer JOURNAL_DIR CORPUS_DIR

import Foundation
import Logging
import TandemJournal

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: seed-writer JOURNAL_DIR CORPUS_DIR\n".utf8))
    exit(2)
}
let journalDirectory = arguments[1]
let corpusDirectory = arguments[2]
let manager = FileManager.default
try? manager.removeItem(atPath: journalDirectory)
try manager.createDirectory(atPath: corpusDirectory, withIntermediateDirectories: true)

/// Deterministic bytes (xorshift), so that the corpus is the same on every run.
struct Noise {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }
}

var noise = Noise(state: 0x9E37_79B9_7F4A_7C15)
let baseTime: Int64 = 1_700_000_000_000_000

func identity(_ i: Int) -> [UInt8] {
    Array(
        #"{"uid":"user\#(i)","cn":"Person \#(i)","mail":"user\#(i)@example.org","groups":["staff","g\#(i % 7)"]}"#.utf8)
}

var options = JournalOptions()
options.segmentSizeBytes = 4096  // the minimum: many small segments
options.maxFrameEvents = 6
options.maxFrameBytes = 1500
options.logger.logLevel = .warning
options.journalID = UUID(uuidString: "7A4D0E5C-2B1F-4C8E-9D3A-5F6B7C8D9E0F")  // fixed, for a reproducible corpus

var journal = try Journal.open(directory: journalDirectory, options: options)
var index = 0
// Compressible JSON: zlib frames, several events each.
for page in 0..<6 {
    let events = (0..<(1 + page % 6)).map { _ -> JournalEvent in
        defer { index += 1 }
        return JournalEvent(
            type: UInt16(1 + index % 3), timeMicroseconds: baseTime + Int64(index) * 1_500, payload: identity(index))
    }
    try await journal.append(contentsOf: events)
}
// Incompressible payloads: stored frames; also an empty payload and out-of-order times.
for n in 0..<4 {
    let events = [
        JournalEvent(type: 7, timeMicroseconds: baseTime + 90_000 - Int64(n) * 10, payload: noise.bytes(20 + n * 30)),
        JournalEvent(type: 0, timeMicroseconds: baseTime + 80_000, payload: []),
    ]
    try await journal.append(contentsOf: events)
}
// A single large-ish event in a frame of its own.
try await journal.append(
    JournalEvent(type: UInt16.max, timeMicroseconds: baseTime, payload: identity(99_999) + noise.bytes(1200)))
try await journal.beginEpoch(2)
for n in 0..<3 {
    try await journal.append(
        JournalEvent(type: 2, timeMicroseconds: baseTime + 200_000 + Int64(n), payload: identity(n)))
}
await journal.close()

// The frames of a segment: walk the lengths in the frame headers (FORMAT.md: 64-byte header,
// stored length at offset 4).
func frameRanges(_ bytes: [UInt8]) -> [Range<Int>] {
    var ranges: [Range<Int>] = []
    var position = 64
    while position + 64 <= bytes.count {
        let stored = (0..<4).reduce(0) { $0 | Int(bytes[position + 4 + $1]) << (8 * $1) }
        let end = position + 64 + stored
        guard end <= bytes.count else { break }
        ranges.append(position..<end)
        position = end
    }
    return ranges
}

var written = 0
func seed(_ name: String, _ bytes: some Collection<UInt8>) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: corpusDirectory).appendingPathComponent(name))
    written += 1
}

let segments = try manager.contentsOfDirectory(atPath: journalDirectory).filter { $0.hasSuffix(".seg") }.sorted()
guard !segments.isEmpty else { fatalError("the journal has no segments") }
for (n, name) in segments.enumerated() {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: journalDirectory).appendingPathComponent(name)))
    let frames = frameRanges(bytes)
    try seed("segment-\(n)", bytes)
    try seed("frames-\(n)", bytes[64...])  // a frame stream, as shipped over the network
    if n == 0 {
        try seed("header-only", bytes.prefix(64))
        try seed("header-cut", bytes.prefix(40))
    }
    if let first = frames.first {
        try seed("frame-\(n)", bytes[first])
        try seed("segment-\(n)-first-frame", bytes[0..<first.upperBound])
        try seed("segment-\(n)-cut-in-header", bytes[0..<first.lowerBound + 30])
        try seed("segment-\(n)-cut-in-payload", bytes[0..<first.lowerBound + 64 + (first.count - 64) / 2])
    }
    if let last = frames.last, frames.count > 1 {
        try seed("frame-\(n)-last", bytes[last])
    }
}
print("seed-writer: \(segments.count) segments, \(written) seeds in \(corpusDirectory)")
