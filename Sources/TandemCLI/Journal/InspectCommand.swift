import ArgumentParser
import Foundation
import TandemJournal

struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print a journal's events, one line each: seq, epoch, time, type, size, payload.",
        discussion: """
            Payloads that are UTF-8 text are printed as text, others as base64. With --json each \
            line is a JSON object: {"seq","epoch","time","timeMicroseconds","type","size","payload","encoding"}.
            """
    )

    @Argument(help: "The journal directory.")
    var directory: String

    @Option(help: "The first seq to print.")
    var from: UInt64 = 1

    @Option(help: "The last seq to print (default: the last in the journal).")
    var to: UInt64?

    @Flag(help: "Print JSON Lines.")
    var json = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard from >= 1 else { throw ValidationError("--from must be at least 1 (seqs start at 1)") }
        if let to, to < from { throw ValidationError("--to \(to) is before --from \(from)") }
    }

    func run() async throws {
        global.bootstrapLogging()
        try await runReportingErrors {
            let reader = try JournalReader(directory: directory)
            let last = min(to ?? reader.lastSeq, reader.lastSeq)
            guard reader.lastSeq > 0 else { return }
            let start = max(from, reader.firstSeq ?? 1)
            guard start <= last else { return }
            let cursor = try reader.cursor(from: start)
            let output = FileHandle.standardOutput
            var buffer = ""
            while let stored = try cursor.nextEvent(through: last) {
                buffer += json ? Self.jsonLine(stored) : Self.textLine(stored)
                buffer += "\n"
                if buffer.utf8.count > 1 << 16 {
                    output.write(Data(buffer.utf8))
                    buffer = ""
                }
            }
            output.write(Data(buffer.utf8))
        }
    }

    static func payloadText(_ payload: [UInt8]) -> (text: String, encoding: String) {
        if let text = String(validating: payload, as: UTF8.self),
            !text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" })
        {
            return (text, "utf8")
        }
        return (Data(payload).base64EncodedString(), "base64")
    }

    static func textLine(_ stored: StoredEvent) -> String {
        let (text, encoding) = payloadText(stored.event.payload)
        let shown = encoding == "utf8" ? text : "base64:" + text
        return "\(stored.seq)\t\(stored.epoch)\t\(Terminal.formatTime(microseconds: stored.event.timeMicroseconds))\t"
            + "type=\(stored.event.type)\t\(stored.event.payload.count)B\t\(shown)"
    }

    static func jsonLine(_ stored: StoredEvent) -> String {
        let (text, encoding) = payloadText(stored.event.payload)
        let object: [String: Any] = [
            "seq": stored.seq, "epoch": stored.epoch,
            "time": Terminal.formatTime(microseconds: stored.event.timeMicroseconds),
            "timeMicroseconds": stored.event.timeMicroseconds, "type": Int(stored.event.type),
            "size": stored.event.payload.count, "payload": text, "encoding": encoding,
        ]
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
