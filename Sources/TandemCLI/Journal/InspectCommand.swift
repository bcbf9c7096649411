import ArgumentParser
import Foundation
import TandemEngine
import TandemJournal

struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print a journal's events, one line each: seq, epoch, time, type, size, payload.",
        discussion: """
            Engine events (imports, sync decisions, exports, runs) are decoded and shown typed; other \
            payloads are printed as text if they are UTF-8, else as base64. With --json each line is a \
            JSON object: {"seq","epoch","time","timeMicroseconds","type","size"} plus "event" (typed) or \
            "payload" and "encoding".
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
        let prefix =
            "\(stored.seq)\t\(stored.epoch)\t\(Terminal.formatTime(microseconds: stored.event.timeMicroseconds))\t"
            + "type=\(stored.event.type)\t\(stored.event.payload.count)B\t"
        if let event = try? EngineEventCodec.decode(stored) { return prefix + summary(event) }
        let (text, encoding) = payloadText(stored.event.payload)
        return prefix + (encoding == "utf8" ? text : "base64:" + text)
    }

    /// One line about an engine event: its kind and the facts that identify it.
    static func summary(_ event: EngineEvent) -> String {
        switch event {
        case .configurationApplied(let e): "configurationApplied \(e.versionHash.prefix(16))"
        case .runStarted(let e): "runStarted #\(e.runID) \(e.connector ?? "*") \(e.profile.rawValue)"
        case .runFinished(let e): "runFinished #\(e.runID) \(e.status.rawValue)"
        case .objectsImported(let e):
            "objectsImported #\(e.runID) \(e.connector): \(e.changes.count) changes\(e.watermark.map { ", watermark \($0.value.prefix(24))" } ?? "")"
        case .syncDecisions(let e): "syncDecisions #\(e.runID): \(e.decisions.count) decisions"
        case .exportResults(let e): "exportResults #\(e.runID) \(e.connector): \(e.results.count) results"
        case .deletesApproved(let e): "deletesApproved \(e.connector): \(e.anchors.count)"
        case .epochStarted(let epoch): "epochStarted \(epoch)"
        case .restorePoint(let name): "restorePoint \(name)"
        case .checkpointTaken(let e): "checkpointTaken at seq \(e.seq) \(e.stateDigest.prefix(16))"
        case .restored(let e): "restored to seq \(e.toSeq) (\(e.target))"
        case .exportsAttempted(let e):
            "exportsAttempted #\(e.runID) \(e.connector) epoch \(e.epoch): \(e.anchors.count)"
        case .exportsReconciled(let e): "exportsReconciled \(e.connector): \(e.anchors.count)"
        }
    }

    static func jsonLine(_ stored: StoredEvent) -> String {
        var object: [String: Any] = [
            "seq": stored.seq, "epoch": stored.epoch,
            "time": Terminal.formatTime(microseconds: stored.event.timeMicroseconds),
            "timeMicroseconds": stored.event.timeMicroseconds, "type": Int(stored.event.type),
            "size": stored.event.payload.count,
        ]
        if let event = try? EngineEventCodec.decode(stored) {
            object["event"] = event.jsonObject
        } else {
            let (text, encoding) = payloadText(stored.event.payload)
            object["payload"] = text
            object["encoding"] = encoding
        }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
