import Foundation
import TandemEngine

/// What `/v1/status` and `/metrics` report, read from the node at one moment.
struct NodeSnapshot: Sendable {
    var role: String
    var configuration: Configuration
    var journalID: String?
    var epoch: UInt64 = 0
    var lastSeq: UInt64 = 0
    var lastEventTimeMicroseconds: Int64?
    var stateDigest: String?
    var primary: String?
    var shipping: StagingProgress?
    var pendingExports: [(connector: String, count: Int)] = []
    var heldDeletes: [(connector: String, count: Int)] = []
    var lastRun: EngineState.RunRecord?

    init(role: String, configuration: Configuration) {
        self.role = role
        self.configuration = configuration
    }

    var lagSeq: UInt64 { shipping?.lagSeq ?? 0 }
    var lagSeconds: Double { shipping?.lagSeconds ?? 0 }

    /// The `/v1/status` document. Keys are stable API: `role`, `epoch`, `lastSeq`, `stateDigest`,
    /// `lagSeq`, `lagSeconds`, `primary`, `pendingExports`, `lastRun`.
    func statusJSON() -> [String: Any] {
        var object: [String: Any] = [
            "role": role, "epoch": epoch, "lastSeq": lastSeq, "stateDigest": stateDigest ?? NSNull(),
            "lagSeq": lagSeq, "lagSeconds": lagSeconds, "primary": primary ?? NSNull(),
            "journalID": journalID ?? NSNull(),
            "lastEventTime": lastEventTimeMicroseconds.map(Self.formatTime) ?? NSNull(),
            "pendingExports": Dictionary(uniqueKeysWithValues: pendingExports.map { ($0.connector, $0.count) }),
            "heldDeletes": Dictionary(uniqueKeysWithValues: heldDeletes.map { ($0.connector, $0.count) }),
        ]
        if let run = lastRun {
            object["lastRun"] =
                [
                    "runID": run.runID, "connector": run.connector ?? NSNull(), "profile": run.profile.rawValue,
                    "status": run.status?.rawValue ?? "running",
                    "started": Self.formatTime(run.startTimeMicroseconds),
                    "finished": run.endTimeMicroseconds.map(Self.formatTime) ?? NSNull(),
                    "message": run.message ?? "",
                ] as [String: Any]
        } else {
            object["lastRun"] = NSNull()
        }
        if let shipping {
            object["shipping"] =
                [
                    "connected": shipping.connected, "primaryLastSeq": shipping.primaryHead?.lastSeq ?? NSNull(),
                    "durableSeq": shipping.durableSeq,
                    "framesReceived": shipping.framesReceived, "bytesReceived": shipping.bytesReceived,
                    "framesRejected": shipping.framesRejected, "connections": shipping.connections,
                    "failed": shipping.failed, "lastError": shipping.lastError ?? NSNull(),
                    "bootstrapSeq": shipping.bootstrapSeq ?? NSNull(),
                    "checkpointsRejected": shipping.checkpointsRejected,
                ] as [String: Any]
        }
        return object
    }

    /// The Prometheus text exposition (version 0.0.4).
    func metricsText(_ counters: ServerMetrics.Counters) -> String {
        var lines: [String] = []
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for sample in samples { lines.append("\(name)\(sample.labels) \(sample.value)") }
        }
        func one(_ name: String, _ type: String, _ help: String, _ value: some CustomStringConvertible) {
            metric(name, type, help, [("", "\(value)")])
        }
        metric(
            "tandem_role", "gauge", "1 for the role this server has.",
            ["active", "staging"].map { ("{role=\"\($0)\"}", $0 == role ? "1" : "0") })
        one("tandem_epoch", "gauge", "The epoch of the state.", epoch)
        one("tandem_journal_last_seq", "gauge", "The last durable seq of this server's journal.", lastSeq)
        one(
            "tandem_journal_last_event_timestamp_seconds", "gauge", "Time of the newest durable event.",
            Double(lastEventTimeMicroseconds ?? 0) / 1e6)
        one("tandem_staging_lag_seq", "gauge", "Events the primary has that this staging server has not.", lagSeq)
        one(
            "tandem_staging_lag_seconds", "gauge", "How much older this server's newest event is than the primary's.",
            lagSeconds)
        metric(
            "tandem_pending_exports", "gauge",
            "Exports pending per connector (what a promoted staging server would export).",
            pendingExports.map { ("{connector=\"\(Self.escape($0.connector))\"}", "\($0.count)") })
        metric(
            "tandem_held_deletes", "gauge", "Deletes held by the deletion threshold per connector.",
            heldDeletes.map { ("{connector=\"\(Self.escape($0.connector))\"}", "\($0.count)") })
        if let run = lastRun, let status = run.status, let end = run.endTimeMicroseconds {
            metric(
                "tandem_last_run_finished_timestamp_seconds", "gauge", "When the last run finished, by its status.",
                [("{status=\"\(status.rawValue)\"}", "\(Double(end) / 1e6)")])
        }
        if let shipping {
            one(
                "tandem_shipping_connected", "gauge", "1 while a journal stream from the primary is open.",
                shipping.connected ? 1 : 0)
            one(
                "tandem_shipping_frames_received_total", "counter", "Frames received from the primary.",
                shipping.framesReceived)
            one(
                "tandem_shipping_bytes_received_total", "counter", "Frame bytes received from the primary.",
                shipping.bytesReceived)
            one(
                "tandem_shipping_frames_rejected_total", "counter",
                "Shipped frames rejected (checksum, chain, seq, epoch) and fetched again.",
                shipping.framesRejected)
            one(
                "tandem_shipping_connections_total", "counter", "Journal streams opened to the primary.",
                shipping.connections)
            one(
                "tandem_shipping_failed", "gauge", "1 if shipping stopped and needs an operator.",
                shipping.failed ? 1 : 0)
        }
        one(
            "tandem_shipped_frames_total", "counter", "Frames this server shipped to staging servers.",
            counters.shippedFrames)
        one(
            "tandem_shipped_bytes_total", "counter", "Frame bytes this server shipped to staging servers.",
            counters.shippedBytes)
        one(
            "tandem_journal_streams_open", "gauge", "Journal streams open to staging servers.",
            counters.openJournalStreams)
        one(
            "tandem_http_unauthorized_total", "counter", "Requests refused for a missing or wrong token.",
            counters.unauthorized)
        return lines.joined(separator: "\n") + "\n"
    }

    static func escape(_ label: String) -> String {
        label.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    /// `2026-11-25T13:45:00.123456Z`
    static func formatTime(_ microseconds: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(microseconds) / 1e6)
        var format = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        format.timeZone = TimeZone(identifier: "UTC")!
        return date.formatted(format)
    }
}
