import Foundation
import Testing

@testable import TandemJournal

/// Random sequences of appends, epoch changes, reopenings and reads, checked against a
/// model that is simply an array of what was acknowledged.
@Suite struct JournalModelTests {
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func randomOperationsMatchTheModel(seed: UInt64) async throws {
        var random = SeededRandom(seed: seed)
        let directory = TemporaryDirectory("model")
        let segmentSize = [4096, 8192, 1 << 20].randomElement(using: &random)!
        var options = smallOptions(segmentSize: segmentSize, maxFrameEvents: Int.random(in: 1...50, using: &random))
        options.maxFrameBytes = Int.random(in: 200...20_000, using: &random)
        options.compressionLevel = Int32.random(in: 0...9, using: &random)
        var journal = try Journal.open(directory: directory.path, options: options)
        var model: [StoredEvent] = []
        var epoch: UInt64 = 1
        var next = 0

        func event(_ random: inout SeededRandom) -> JournalEvent {
            next += 1
            let size = [0, 10, 400, 3000].randomElement(using: &random)!
            let kind = Int.random(in: 0..<3, using: &random)
            let payload: [UInt8] =
                switch kind {
                case 0: Array(String(repeating: "user\(next) ", count: size / 8 + 1).utf8.prefix(size))
                case 1: (0..<size).map { _ in UInt8.random(in: 0...255, using: &random) }
                default: Events.person(next).payload
                }
            return JournalEvent(
                type: UInt16.random(in: 0...UInt16.max, using: &random),
                timeMicroseconds: Int64.random(in: -1_000_000...2_000_000_000_000_000, using: &random), payload: payload
            )
        }

        for _ in 0..<120 {
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<40:
                let e = event(&random)
                let seq = try await journal.append(e)
                #expect(seq == UInt64(model.count + 1))
                model.append(StoredEvent(seq: seq, epoch: epoch, event: e))
            case 40..<60:
                let batch = (0..<Int.random(in: 1...30, using: &random)).map { _ in event(&random) }
                let seqs = try await journal.append(contentsOf: batch)
                #expect(seqs == UInt64(model.count + 1)...UInt64(model.count + batch.count))
                for (seq, e) in zip(seqs, batch) { model.append(StoredEvent(seq: seq, epoch: epoch, event: e)) }
            case 60..<70:
                let batch = (0..<Int.random(in: 2...16, using: &random)).map { _ in event(&random) }
                let writer = journal
                let seqs = try await withThrowingTaskGroup(of: (UInt64, JournalEvent).self) { group in
                    for e in batch { group.addTask { (try await writer.append(e), e) } }
                    return try await group.reduce(into: [(UInt64, JournalEvent)]()) { $0.append($1) }
                }
                for (seq, e) in seqs.sorted(by: { $0.0 < $1.0 }) {
                    #expect(seq == UInt64(model.count + 1))
                    model.append(StoredEvent(seq: seq, epoch: epoch, event: e))
                }
            case 70..<75:
                epoch += UInt64.random(in: 1...3, using: &random)
                try await journal.beginEpoch(epoch)
            case 75..<85:
                await journal.close()
                journal = try Journal.open(directory: directory.path, options: options)
                #expect(journal.lastSeq == UInt64(model.count))
                // An epoch begun without events is not durable; the journal resumes at the last written one.
                epoch = model.last?.epoch ?? 1
            default:
                guard !model.isEmpty else { continue }
                let from = UInt64.random(in: 1...UInt64(model.count), using: &random)
                let to = UInt64.random(in: from...UInt64(model.count), using: &random)
                let read = try JournalReader(directory: directory.path).events(in: from...to)
                #expect(read == Array(model[Int(from - 1)..<Int(to)]), "seed \(seed): read \(from)...\(to)")
            }
        }
        await journal.close()
        #expect(try readAll(directory.path) == model, "seed \(seed)")
        let report = try JournalVerification.verify(directory: directory.path)
        #expect(report.verdict == .sound)
        #expect(report.events == UInt64(model.count))
    }
}
