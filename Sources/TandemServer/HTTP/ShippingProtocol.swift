import Foundation

/// The shipping protocol's names and the journal head document (Journal/FORMAT.md, "Shipping").
enum ShippingProtocol {
    /// The journal's UUID, on every `/v1/journal` response: a staging server refuses another deployment's.
    static let journalIDHeader = "Tandem-Journal-ID"
    /// The primary's last durable seq when the response started.
    static let lastSeqHeader = "Tandem-Last-Seq"
    /// The media type of a journal stream: frames exactly as stored, back to back.
    static let frameStreamType = "application/vnd.tandem.frames"
}

/// Where a journal ends: `GET /v1/journal/head`. Cheap to serve (no state digest), so staging
/// servers poll it every second to report their lag.
struct JournalHead: Codable, Sendable, Hashable {
    var journalID: String
    var epoch: UInt64
    var lastSeq: UInt64
    /// The newest durable event's time, µs since 1970 (written by the primary's clock).
    var lastEventTimeMicroseconds: Int64?
}
