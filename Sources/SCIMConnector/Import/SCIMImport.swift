import ConnectorKit
import Foundation
import Logging

/// One import run: lists resources page by page (`startIndex`/`count`, sorted by `id` where the service sorts,
/// so pages neither skip nor repeat while nothing changes) and turns them into batches.
///
/// Three modes, logged at the start of every run:
/// - **full**: every resource; the final batch is complete, so the engine deletes what was not returned.
/// - **delta by `meta.lastModified`**: only resources modified after the watermark (less ``SCIMConnectorSettings/deltaOverlap``),
///   compared with the connector space so unchanged ones are dropped. Such a filter cannot show deletes.
/// - **delta by listing**: every resource, compared with the connector space; objects it holds that the service no
///   longer has come back as deletes. Used when the service cannot filter, before any `lastModified` is known,
///   and whenever ``SCIMConnectorSettings/fullImportInterval`` has passed since the last full listing.
///
/// A full listing can miss a resource when another is deleted meanwhile (offsets shift): before an object the
/// connector space holds is reported gone, it is confirmed by `GET` (404).
struct SCIMImport: Sendable {
    enum Mode: Hashable, Sendable {
        case full
        case filtered(since: Int64)
        case listing(reason: String)

        var description: String {
            switch self {
            case .full: "full import"
            case .filtered(let since): "delta import by meta.lastModified gt \(ISO8601.format(microseconds: since))"
            case .listing(let reason): "delta import by full listing (\(reason)); deletes are detected"
            }
        }
    }

    /// The most objects confirmed one by one before a listing's deletes are trusted as they are.
    static let maxConfirmations = 1000

    var settings: SCIMConnectorSettings
    var transport: SCIMTransport
    var discovery: SCIMDiscovery
    var logger: Logger
    /// Records the ETag (`meta.version`) of every resource seen, for `If-Match` on later updates.
    var recordVersions: @Sendable ([Anchor: String]) -> Void

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1_000_000) }

    func mode(for request: ImportRequest) -> (Mode, SCIMWatermark?) {
        guard case .delta(let watermark) = request.mode else { return (.full, nil) }
        guard let previous = SCIMWatermark(watermark) else {
            return (.listing(reason: "the watermark is not one this connector wrote"), nil)
        }
        guard discovery.features.filter else { return (.listing(reason: "the service cannot filter"), previous) }
        guard let lastModified = previous.lastModified else {
            return (.listing(reason: "no meta.lastModified seen yet"), previous)
        }
        let interval = Int64(settings.fullImportInterval.milliseconds) * 1000
        if Self.now() - previous.listed >= interval {
            return (.listing(reason: "fullImportInterval has passed since the last full listing"), previous)
        }
        return (.filtered(since: lastModified - settings.deltaOverlap.milliseconds * 1000), previous)
    }

    func run(_ request: ImportRequest, _ continuation: AsyncThrowingStream<ImportBatch, any Error>.Continuation)
        async throws
    {
        let (mode, previous) = self.mode(for: request)
        logger.info("SCIM import", metadata: ["connector": "\(settings.name)", "mode": "\(mode.description)"])
        let started = Self.now()
        var lastModified = previous?.lastModified
        var pending: [ImportBatch.Item] = []
        var returned = 0
        for type in settings.objectTypes {
            guard let codec = discovery.codecs[type] else { continue }
            var seen = Set<Anchor>()
            var filter: String?
            if case .filtered(let since) = mode {
                filter = "meta.lastModified gt \"\(ISO8601.format(microseconds: since))\""
            }
            try await list(codec, filter: filter) { resources in
                var items: [ImportBatch.Item] = []
                var versions: [Anchor: String] = [:]
                for resource in resources {
                    if let modified = resource["meta"]?["lastModified"]?.stringValue.flatMap(ISO8601.parse) {
                        lastModified = max(lastModified ?? modified, modified)
                    }
                    guard let object = codec.object(from: resource), seen.insert(object.anchor).inserted else {
                        continue
                    }
                    if let version = resource["meta"]?["version"]?.stringValue { versions[object.anchor] = version }
                    if mode == .full || Self.differs(object, from: request.connectorSpace.object(object.anchor)) {
                        items.append(.object(object))
                    }
                }
                recordVersions(versions)
                returned += items.count
                if !items.isEmpty { continuation.yield(ImportBatch(items: items)) }
            }
            if case .filtered = mode { continue }
            let confirmed = try await confirmMissing(codec, seen: seen, space: request.connectorSpace, mode: mode)
            returned += confirmed.count
            pending += confirmed
        }
        var listed = previous?.listed ?? started
        if case .filtered = mode {} else { listed = started }
        let watermark = SCIMWatermark(lastModified: lastModified, listed: listed).watermark
        continuation.yield(ImportBatch(items: pending, watermark: watermark, isComplete: mode == .full))
        logger.info(
            "SCIM import finished",
            metadata: ["connector": "\(settings.name)", "mode": "\(mode.description)", "items": "\(returned)"])
    }

    /// Pages through a resource type's list, handing each page's resources to `page`.
    private func list(_ codec: ResourceCodec, filter: String?, page: ([JSONValue]) async throws -> Void) async throws {
        let count = min(settings.pageSize, discovery.features.filterMaxResults ?? Int.max)
        var startIndex = 1
        while true {
            var query = "startIndex=\(startIndex)&count=\(count)"
            if discovery.features.sort { query += "&sortBy=id&sortOrder=ascending" }
            if let filter { query += "&filter=" + Self.percentEncoded(filter) }
            let endpoint = codec.mapping.resourceType.endpoint
            let response = try await transport.send(SCIMRequest(method: .GET, path: endpoint + "?" + query))
            guard response.isSuccess, let body = response.body else {
                throw ConnectorError(
                    .protocolViolation,
                    "SCIM service at \(settings.baseURL) answered GET \(endpoint) (startIndex \(startIndex)) with "
                        + "\(response.errorCode)", systemCode: response.errorCode)
            }
            let resources = body["Resources"]?.arrayValue ?? []
            try await page(resources)
            let total = body["totalResults"]?.integerValue.map(Int.init) ?? 0
            startIndex += resources.count
            if resources.isEmpty || startIndex > total { return }
        }
    }

    /// Objects of `codec`'s type that the connector space holds but a listing did not return: each is looked up,
    /// and reported as deleted (404; delta) or returned after all (full and delta).
    private func confirmMissing(
        _ codec: ResourceCodec, seen: Set<Anchor>, space: any ConnectorSpaceView, mode: Mode
    ) async throws -> [ImportBatch.Item] {
        let missing = space.anchors().filter { anchor in
            !seen.contains(anchor) && !anchor.rawValue.hasPrefix("~")
                && space.object(anchor)?.objectType == codec.objectType
        }
        if missing.count > Self.maxConfirmations {
            logger.info(
                "SCIM import: too many objects missing from the listing to confirm one by one; trusting the listing",
                metadata: ["connector": "\(settings.name)", "missing": "\(missing.count)"])
        }
        var items: [ImportBatch.Item] = []
        for (index, anchor) in missing.enumerated() {
            var object: ConnectorObject?
            if index < Self.maxConfirmations {
                let path = codec.mapping.resourceType.endpoint + "/" + Self.percentEncoded(anchor.rawValue)
                let response = try await transport.send(SCIMRequest(method: .GET, path: path))
                if response.isSuccess { object = response.body.flatMap(codec.object(from:)) }
            }
            if let object, object.anchor == anchor {
                items.append(.object(object))
            } else if mode != .full {
                items.append(.change(.delete(anchor: anchor, objectType: codec.objectType)))
            }
        }
        return items
    }

    /// Whether an imported object differs from the connector space's copy (multi-valued order aside).
    static func differs(_ object: ConnectorObject, from held: ConnectorObject?) -> Bool {
        guard let held, held.objectType == object.objectType else { return true }
        guard held.attributes.count == object.attributes.count else { return true }
        for (name, values) in object.attributes {
            guard let heldValues = held.attributes[name] else { return true }
            if heldValues != values && heldValues.sorted() != values.sorted() { return true }
        }
        return false
    }

    /// Percent-encodes a query value or path segment (RFC 3986 unreserved characters pass).
    static func percentEncoded(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                encoded.append(Character(Unicode.Scalar(byte)))
            default:
                encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(2)
            }
        }
        return encoded
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
