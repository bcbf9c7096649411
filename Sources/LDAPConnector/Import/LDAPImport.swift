import CLDAP
import ConnectorKit
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// One import, read one page per ``next()`` call so that the engine's pace bounds memory (RFC 2696 paging), or
/// by content sync (RFC 4533) for deltas.
///
/// Plans:
/// - full: every entry in scope, page by page; the final batch is complete and carries the content-sync cookies
///   taken *before* the first page (changes made during the import come again in the next delta), or, without
///   content sync, the latest `modifyTimestamp` seen.
/// - content sync delta: the entries changed since the cookies, whole, and the entryUUIDs deleted.
/// - modifyTimestamp delta: entries with `modifyTimestamp` at or after the watermark; deletes are not seen.
/// - sweep: every entry compared with the connector space, and the objects not seen deleted; what a delta does
///   without content sync every `fullSweepHours`, or when its watermark cannot be used.
///
/// Only ``next()`` touches the state, and the stream calls it one at a time.
final class LDAPImport: @unchecked Sendable {
    private enum Scan {
        case full, sweep, modifiedSince(String)
    }

    private enum Phase {
        case start
        case paging(base: Int, cursor: LDAPConnection.PageCursor)
        case resolving
        case emitting([ImportBatch])
        case finished
    }

    private let connector: LDAPConnector
    private let request: ImportRequest
    private var settings: LDAPSettings { connector.settings }
    private var logger: Logger { connector.logger }
    private var phase = Phase.start
    private var mapper: EntryMapper!
    private var scan = Scan.full
    /// Cookies taken before a full import or sweep, when the server offers content sync.
    private var cookies: [[UInt8]]?
    private var sweptAt: Int64 = 0
    private var latestTimestamp = "19700101000000Z"
    /// Anchors returned by a sweep, to find the deleted ones.
    private var seen = Set<Anchor>()
    /// Entries whose references name DNs not yet known; mapped once every page is read.
    private var deferred: [MappedEntry] = []
    private var seededFromSpace = false

    init(connector: LDAPConnector, request: ImportRequest) {
        self.connector = connector
        self.request = request
    }

    func next() async throws -> ImportBatch? {
        while true {
            if Task.isCancelled {
                throw ConnectorError(.cancelled, "the import of connectors.\(settings.name) was cancelled")
            }
            switch phase {
            case .start:
                try await begin()
            case .paging(let base, var cursor):
                let batch = try await readPage(base: base, cursor: &cursor)
                if cursor.isFinished {
                    phase = base + 1 < settings.baseDNs.count ? .paging(base: base + 1, cursor: .init()) : .resolving
                } else {
                    phase = .paging(base: base, cursor: cursor)
                }
                if !batch.items.isEmpty { return batch }
            case .resolving:
                phase = .emitting([try await finish()])
            case .emitting(var batches):
                guard !batches.isEmpty else {
                    phase = .finished
                    continue
                }
                let batch = batches.removeFirst()
                phase = batches.isEmpty ? .finished : .emitting(batches)
                return batch
            case .finished:
                return nil
            }
        }
    }

    // MARK: Planning

    private func begin() async throws {
        mapper = EntryMapper(settings: settings, schema: try await connector.directorySchema())
        sweptAt = Int64(time(nil))
        switch request.mode {
        case .full:
            scan = .full
            cookies = try await currentCookies()
        case .delta(let watermark):
            switch LDAPWatermark(watermark) {
            case .contentSync(let previous)?
            where previous.count == settings.baseDNs.count
                && settings.deltaMode != .modifyTimestamp:
                if let batches = try await contentSyncDelta(from: previous) {
                    phase = .emitting(batches)
                    return
                }
                logger.warning(
                    "content sync is no longer offered; sweeping every entry to find changes and deletes",
                    metadata: ["connector": "\(settings.name)"])
                scan = .sweep
                cookies = try await currentCookies()
            case .modifyTimestamp(let since, let lastSweep)? where settings.deltaMode != .contentSync:
                if Int64(time(nil)) - lastSweep < Int64(settings.fullSweepHours) * 3600 {
                    scan = .modifiedSince(since)
                    latestTimestamp = since
                    sweptAt = lastSweep
                    logger.info(
                        "no content sync: importing entries modified since the watermark; deletes are found by the next sweep",
                        metadata: ["connector": "\(settings.name)", "since": "\(since)"])
                } else {
                    scan = .sweep
                    cookies = try await currentCookies()
                    logger.info(
                        "no content sync: sweeping every entry to find deletes (fullSweepHours)",
                        metadata: ["connector": "\(settings.name)"])
                }
            default:
                logger.warning(
                    "the watermark does not fit this connector's configuration; sweeping every entry",
                    metadata: ["connector": "\(settings.name)"])
                scan = .sweep
                cookies = try await currentCookies()
            }
        }
        phase = .paging(base: 0, cursor: .init())
    }

    /// Cookies for every base as of now, by a content sync whose filter matches nothing; `nil` without content
    /// sync (then the watermark is a modifyTimestamp).
    private func currentCookies() async throws -> [[UInt8]]? {
        guard settings.deltaMode != .modifyTimestamp else { return nil }
        var cookies: [[UInt8]] = []
        for base in settings.baseDNs {
            do {
                let result = try await connector.client.perform("content sync of \(base)") {
                    (connection: LDAPConnection) throws -> LDAPConnection.ContentSyncResult in
                    try connection.contentSync(
                        base: base, filter: "(&(objectClass=*)(!(objectClass=*)))", attributes: ["1.1"], cookie: nil)
                }
                cookies.append(result.cookie)
            } catch let error as ConnectorError where error.systemCode == "LDAP \(LDAP_UNAVAILABLE_CRITICAL_EXTENSION)"
            {
                guard settings.deltaMode == .auto else {
                    throw ConnectorError(
                        .unsupported,
                        "connectors.\(settings.name).deltaMode is contentSync, but \(settings.url) does not offer "
                            + "RFC 4533 content sync (OpenLDAP's syncprov overlay); use deltaMode: auto or modifyTimestamp"
                    )
                }
                logger.notice(
                    "the server offers no content sync (RFC 4533); delta imports use modifyTimestamp and sweep for deletes every \(settings.fullSweepHours) h",
                    metadata: ["connector": "\(settings.name)"])
                return nil
            }
        }
        return cookies
    }

    // MARK: Paged scans

    private var attributes: [String] {
        var list = settings.requestedAttributes
        if cookies == nil { list.append("modifyTimestamp") }
        return list
    }

    private func readPage(base index: Int, cursor: inout LDAPConnection.PageCursor) async throws -> ImportBatch {
        if readAhead.first?.base != index || readAhead.first?.start.cookie != cursor.cookie {
            let pages: [Page]
            if let prefetched, prefetched.base == index, prefetched.cursor.cookie == cursor.cookie {
                self.prefetched = nil
                pages = try await prefetched.task.value
            } else {
                prefetched = nil
                pages = try await fetchPages(base: index, cursor: cursor)
            }
            readAhead = []
            var start = cursor
            for page in pages {
                readAhead.append((index, start, page))
                start = page.cursor
            }
            // The next pages are read (and mapped, on the connection's queue) while these are consumed.
            if let last = pages.last, !last.cursor.isFinished {
                let next = last.cursor
                prefetched = (index, next, Task { try await self.fetchPages(base: index, cursor: next) })
            }
        }
        let page = readAhead.removeFirst().page
        cursor = page.cursor
        return ImportBatch(items: items(for: page.entries))
    }

    private typealias Page = (cursor: LDAPConnection.PageCursor, entries: [MappedEntry])
    /// Pages read and not yet returned: their base, the cursor each starts from, and the page.
    private var readAhead: [(base: Int, start: LDAPConnection.PageCursor, page: Page)] = []
    /// The pages being read ahead: their base, the cursor they start from, and the read.
    private var prefetched: (base: Int, cursor: LDAPConnection.PageCursor, task: Task<[Page], any Error>)?

    /// How many pages one trip to the connection's queue reads, back to back: each trip costs two thread
    /// handoffs, which on a busy machine can take longer than reading a page, and the server would sit idle
    /// meanwhile. About 4,000 entries, so that what is read ahead stays bounded.
    private var pagesPerRead: Int { max(1, min(4, 4_000 / max(1, settings.pageSize))) }

    /// Reads up to ``pagesPerRead`` pages from `start`, fewer when the search ends.
    private func fetchPages(base index: Int, cursor start: LDAPConnection.PageCursor) async throws -> [Page] {
        let base = settings.baseDNs[index]
        var scopeFilter = settings.scopeFilter
        if case .modifiedSince(let since) = scan { scopeFilter = "(&\(scopeFilter)(modifyTimestamp>=\(since)))" }
        let filter = scopeFilter
        let attributes = self.attributes
        let pageSize = settings.pageSize
        let pagesPerRead = self.pagesPerRead
        let mapper = self.mapper!
        let body: @Sendable (LDAPConnection) throws -> [Page] = { connection in
            var pages: [Page] = []
            var cursor = start
            var memo = EntryMapper.PageMemo()
            repeat {
                let entries = try connection.searchPage(
                    base: base, scope: tandem_ldap_scope_subtree, filter: filter, attributes: attributes,
                    pageSize: pageSize, cursor: &cursor
                ) { message throws(ConnectorError) in try mapper.map(message, on: connection, memo: &memo) }
                pages.append((cursor, entries))
            } while pages.count < pagesPerRead && !cursor.isFinished
            return pages
        }
        // A paged search's cookie belongs to its connection: only its first page may be retried elsewhere.
        return start.cookie.isEmpty
            ? try await connector.client.perform("search of \(base)", body) : try await connector.client.once(body)
    }

    private func items(for entries: [MappedEntry]) -> [ImportBatch.Item] {
        var located: [(anchor: Anchor, dn: String)] = []
        located.reserveCapacity(entries.count)
        for entry in entries {
            if let anchor = entry.anchor { located.append((anchor, entry.dn)) }
        }
        connector.index.record(located)
        var items: [ImportBatch.Item] = []
        items.reserveCapacity(entries.count)
        let isFull = request.mode == .full && { if case .full = scan { true } else { false } }()
        let isSweep = { if case .sweep = scan { true } else { false } }()
        for entry in entries {
            if cookies == nil, let stamp = entry.modifyTimestamp, stamp > latestTimestamp {
                latestTimestamp = stamp
            }
            guard let (object, unresolved) = entry.object(resolve: connector.index.anchor(ofNormalized:)) else {
                continue
            }
            if isSweep { seen.insert(object.anchor) }
            if !unresolved.isEmpty {
                deferred.append(entry)
                continue
            }
            if isFull {
                items.append(.object(object))
            } else {
                items += changeItems(object)
            }
        }
        return items
    }

    /// Records where each entry is, so that references to it resolve.
    private func record(_ entries: [RawEntry]) {
        var located: [(anchor: Anchor, dn: String)] = []
        located.reserveCapacity(entries.count)
        for entry in entries {
            if let anchor = mapper.anchor(of: entry) { located.append((anchor, entry.dn)) }
        }
        connector.index.record(located)
    }

    /// What a full import returns for an object, or what a delta returns: nothing if the connector space holds it
    /// unchanged, a rename when only its DN changed (the anchor stays: a rename or move is never delete + add).
    private func changeItems(_ object: ConnectorObject) -> [ImportBatch.Item] {
        if case .full = scan, request.mode == .full { return [.object(object)] }
        guard let held = request.connectorSpace.object(object.anchor), held.objectType == object.objectType else {
            return [.object(object)]
        }
        if held == object { return [] }
        guard let dn = object.distinguishedName, held.distinguishedName != dn else { return [.object(object)] }
        var renamed = held
        renamed.distinguishedName = dn
        let rename = ImportBatch.Item.change(
            .rename(anchor: object.anchor, objectType: object.objectType, newDistinguishedName: dn))
        return renamed == object ? [rename] : [rename, .object(object)]
    }

    // MARK: Finishing

    /// Maps the entries whose references waited for every page, finds deletes (sweep), and sets the watermark.
    private func finish() async throws -> ImportBatch {
        var items: [ImportBatch.Item] = []
        if !deferred.isEmpty {
            try await resolveReferences(to: deferred.flatMap { $0.references.flatMap(\.dns) })
            var dropped = 0
            for entry in deferred {
                guard let (object, unresolved) = entry.object(resolve: connector.index.anchor(ofNormalized:))
                else { continue }
                dropped += unresolved.count
                items += changeItems(object)
            }
            if dropped > 0 {
                logger.warning(
                    "references to entries that do not exist or are out of scope were left out",
                    metadata: ["connector": "\(settings.name)", "values": "\(dropped)"])
            }
            deferred = []
        }
        if case .sweep = scan {
            for anchor in request.connectorSpace.anchors() where !seen.contains(anchor) {
                if let held = request.connectorSpace.object(anchor) {
                    items.append(.change(.delete(anchor: anchor, objectType: held.objectType)))
                }
            }
        }
        let watermark: LDAPWatermark =
            if let cookies { .contentSync(cookies: cookies) } else {
                .modifyTimestamp(since: latestTimestamp, sweptAt: sweptAt)
            }
        if case .full = scan {
            return ImportBatch(items: items, watermark: watermark.watermark, isComplete: true)
        }
        return ImportBatch(items: items, watermark: watermark.watermark)
    }

    /// Makes every reference DN of `entries` known to the index if it exists: from the connector space first,
    /// then by reading the entry itself (it may be outside the configured bases).
    func resolveReferences(in entries: [RawEntry]) async throws {
        var dns: [String] = []
        for entry in entries {
            for (name, values) in entry.attributes where mapper.kind(of: name) == .reference {
                dns += values.map { String(decoding: $0, as: UTF8.self) }
            }
        }
        try await resolveReferences(to: dns)
    }

    /// Makes each of `dns` known to the index if it names an entry; see ``resolveReferences(in:)``.
    func resolveReferences(to dns: [String]) async throws {
        var missing = Set<String>()
        for dn in dns where connector.index.anchor(ofNormalized: DistinguishedName.normalized(dn)) == nil {
            missing.insert(dn)
        }
        if missing.isEmpty { return }
        if !seededFromSpace {
            seededFromSpace = true
            // The connector space may hold a DN the entry has since left (a rename this import reports): that must
            // not replace the entry's new DN in the index.
            for anchor in request.connectorSpace.anchors() {
                if let dn = request.connectorSpace.object(anchor)?.distinguishedName {
                    connector.index.recordIfUnknown(anchor: anchor, dn: dn)
                }
            }
            missing = missing.filter { connector.index.anchor(ofNormalized: DistinguishedName.normalized($0)) == nil }
        }
        for dn in missing.sorted() {
            _ = try await connector.lookUpAnchor(dn: dn)
        }
    }

    // MARK: Content sync

    /// The delta since `previous` cookies, in batches; `nil` if the server no longer offers content sync.
    private func contentSyncDelta(from previous: [[UInt8]]) async throws -> [ImportBatch]? {
        var results: [(base: String, result: LDAPConnection.ContentSyncResult)] = []
        let filter = settings.scopeFilter
        let attributes = settings.requestedAttributes
        for (index, base) in settings.baseDNs.enumerated() {
            let cookie = previous[index]
            do {
                let result = try await connector.client.perform("content sync of \(base)") {
                    (connection: LDAPConnection) throws -> LDAPConnection.ContentSyncResult in
                    try connection.contentSync(base: base, filter: filter, attributes: attributes, cookie: cookie)
                }
                results.append((base, result))
            } catch let error as ConnectorError where error.systemCode == "LDAP \(LDAP_UNAVAILABLE_CRITICAL_EXTENSION)"
            {
                return nil
            }
        }
        let items = try await syncItems(results)
        var batches: [ImportBatch] = []
        var start = 0
        repeat {
            let end = min(start + settings.pageSize, items.count)
            batches.append(ImportBatch(items: Array(items[start..<end])))
            start = end
        } while start < items.count
        let cookies = results.map(\.result.cookie)
        batches[batches.count - 1].watermark = LDAPWatermark.contentSync(cookies: cookies).watermark
        return batches
    }

    /// The changes the refreshes of every base report together.
    ///
    /// A refresh of one base reports as deleted ("no longer matches the search") every entry changed since the
    /// cookie that is not under that base — syncprov's session log holds the changes of the whole database — and
    /// an entry moved from one base to another is deleted in the first and added in the second. So an entry is
    /// deleted only when the connector space holds it under the base that reports it, and no base reports it
    /// changed.
    private func syncItems(_ results: [(base: String, result: LDAPConnection.ContentSyncResult)]) async throws
        -> [ImportBatch.Item]
    {
        let changedEntries = results.flatMap(\.result.changed)
        record(changedEntries)
        try await resolveReferences(in: changedEntries)
        var items: [ImportBatch.Item] = []
        var changed = Set<Anchor>()
        for entry in changedEntries {
            guard let (object, _) = mapper.object(entry, resolve: connector.index.anchor(ofNormalized:)) else {
                continue
            }
            changed.insert(object.anchor)
            items += changeItems(object)
        }
        var deleted = Set<Anchor>()
        for (base, result) in results {
            let normalizedBase = DistinguishedName.normalized(base)
            func isHeld(_ anchor: Anchor) -> Bool {
                guard let dn = request.connectorSpace.object(anchor)?.distinguishedName else { return false }
                return DistinguishedName.isWithin(DistinguishedName.normalized(dn), base: normalizedBase)
            }
            for anchor in result.deleted where !changed.contains(anchor) && isHeld(anchor) {
                deleted.insert(anchor)
            }
            if result.endedInPresentPhase {
                // The server could not replay its log from the cookie: whatever it did not list is gone.
                for anchor in request.connectorSpace.anchors()
                where !result.present.contains(anchor) && !changed.contains(anchor) && isHeld(anchor) {
                    deleted.insert(anchor)
                }
            }
        }
        for anchor in deleted.sorted() {
            guard let held = request.connectorSpace.object(anchor) else { continue }
            items.append(.change(.delete(anchor: anchor, objectType: held.objectType)))
            connector.index.forget(anchor: anchor)
        }
        return items
    }
}
