import ConnectorKit
import TandemJournal

extension EngineState {
    /// The version byte that starts a checkpoint payload this build writes (Journal/FORMAT.md,
    /// "Engine state in a checkpoint"); it reads versions 1 and 2.
    static let checkpointCodecVersion: UInt8 = 2

    /// Objects per chunk: each chunk decodes on its own core, so a few per core keep both busy.
    static let checkpointChunkObjects = 8_192

    /// The whole state — everything replay would rebuild, history included — in the engine's
    /// compact binary encoding, for a checkpoint file.
    ///
    /// Version 2 keeps the connector-space objects and the metaverse objects in chunks that
    /// decode independently (in parallel), and names (attributes, rules, object types, connectors)
    /// once in a table that the chunks refer to by number.
    public func checkpointPayload() -> [UInt8] { checkpointPayload(chunkObjects: Self.checkpointChunkObjects) }

    /// The payload in codec version `codecVersion`: 2, the default, or 1, which builds before
    /// version 2 read (for a checkpoint an older build must load).
    public func checkpointPayload(codecVersion: UInt8) -> [UInt8] {
        precondition(codecVersion == 1 || codecVersion == 2, "checkpoint codec versions are 1 and 2")
        return codecVersion == 1 ? checkpointPayloadVersion1() : checkpointPayload()
    }

    /// The payload with `chunkObjects` objects per chunk (tests use small chunks).
    ///
    /// The chunks encode on every core, as they decode: a first pass collects each chunk's names
    /// (numbered in chunk order into the one table), the second writes the chunks with the table.
    func checkpointPayload(chunkObjects: Int) -> [UInt8] {
        precondition(chunkObjects >= 1, "a chunk holds at least one object")
        let spaceNames = connectorSpaces.keys.sorted()
        let spaces = spaceNames.map { connectorSpaces[$0]! }
        let jobs = Self.chunkJobs(spaces: spaces, metaverse: metaverse, size: chunkObjects)
        let state = self
        // Neither body throws.
        let found = try! concurrentMap(jobs.count) { state.names(in: jobs[$0], spaces: spaces) }
        var names = CheckpointNames()
        for list in found {
            for name in list { names.add(name) }
        }
        let table = names
        let encoded = try! concurrentMap(jobs.count) { state.encode(jobs[$0], spaces: spaces, names: table) }
        var spaceChunks = [[(count: Int, bytes: [UInt8])]](repeating: [], count: spaces.count)
        var metaverseChunks: [(count: Int, bytes: [UInt8])] = []
        for (job, bytes) in zip(jobs, encoded) {
            switch job.objects {
            case .space(let index, _): spaceChunks[index].append((job.count, bytes))
            case .metaverse: metaverseChunks.append((job.count, bytes))
            }
        }

        var w = BinaryWriter(capacity: 1 << 20)
        w.byte(Self.checkpointCodecVersion)
        w.varint(lastSeq)
        w.varint(epoch)
        w.varint(nextMetaverseID)
        w.optionalString(configurationHash)
        w.count(names.names.count)
        for name in names.names { w.string(name) }
        w.count(spaceNames.count)
        for (name, chunks) in zip(spaceNames, spaceChunks) {
            let space = connectorSpaces[name]!
            w.string(name)
            w.optionalString(space.watermark?.value)
            w.count(space.objects.count)
            w.chunks(chunks)
            writeExportsAndSets(of: space, to: &w)
        }
        w.count(metaverse.count)
        w.chunks(metaverseChunks)
        writeRunsAndPoints(to: &w)
        let inDoubt = spaceNames.flatMap { name in
            connectorSpaces[name]!.inDoubtExports.map { (name, $0.key, $0.value) }
        }
        w.count(inDoubt.count)
        for (connector, anchor, epoch) in inDoubt {
            w.string(connector)
            w.string(anchor.rawValue)
            w.varint(epoch)
        }
        return w.bytes
    }

    /// One chunk to encode: which collection, where its objects start in it, how many.
    private struct ChunkJob: Sendable {
        enum Objects: Sendable {
            case space(Int, [Anchor: ConnectorSpaceObject].Index)
            case metaverse([MetaverseID: MetaverseObject].Index)
        }
        var objects: Objects
        var count: Int
    }

    /// The chunks of every connector space (in `spaces`' order), then of the metaverse.
    private static func chunkJobs(
        spaces: [ConnectorSpace], metaverse: [MetaverseID: MetaverseObject], size: Int
    ) -> [ChunkJob] {
        var jobs: [ChunkJob] = []
        for (position, space) in spaces.enumerated() {
            var index = space.objects.startIndex
            var left = space.objects.count
            while left > 0 {
                let count = min(size, left)
                jobs.append(ChunkJob(objects: .space(position, index), count: count))
                index = space.objects.index(index, offsetBy: count)
                left -= count
            }
        }
        var index = metaverse.startIndex
        var left = metaverse.count
        while left > 0 {
            let count = min(size, left)
            jobs.append(ChunkJob(objects: .metaverse(index), count: count))
            index = metaverse.index(index, offsetBy: count)
            left -= count
        }
        return jobs
    }

    /// The names a chunk's objects use, each once, in the order they first appear.
    private func names(in job: ChunkJob, spaces: [ConnectorSpace]) -> [String] {
        var seen = Set<String>()
        var found: [String] = []
        func note(_ name: String) {
            if seen.insert(name).inserted { found.append(name) }
        }
        switch job.objects {
        case .space(let position, let start):
            let objects = spaces[position].objects
            var index = start
            for _ in 0..<job.count {
                let object = objects[index].value
                objects.formIndex(after: &index)
                note(object.objectType.rawValue)
                object.attributes.forEachEncoded { name, _ in note(name) }
            }
        case .metaverse(let start):
            var index = start
            for _ in 0..<job.count {
                let object = metaverse[index].value
                metaverse.formIndex(after: &index)
                note(object.objectType.rawValue)
                for (name, value) in object.attributes {
                    note(name)
                    note(value.contributor.rule)
                    note(value.contributor.connector)
                }
                for link in object.links { note(link.connector) }
                if let link = object.projectedBy { note(link.connector) }
            }
        }
        return found
    }

    /// A chunk's objects as version 2 lays them out, names by their number in `names`.
    private func encode(_ job: ChunkJob, spaces: [ConnectorSpace], names: CheckpointNames) -> [UInt8] {
        var w = BinaryWriter(capacity: job.count * 256)
        switch job.objects {
        case .space(let position, let start):
            let objects = spaces[position].objects
            var index = start
            for _ in 0..<job.count {
                let object = objects[index].value
                objects.formIndex(after: &index)
                w.string(object.anchor.rawValue)
                names.write(object.objectType.rawValue, to: &w)
                w.optionalString(object.distinguishedName)
                w.count(object.attributes.count)
                object.attributes.forEachEncoded { name, values in
                    names.write(name, to: &w)
                    w.raw(values)
                }
                w.optionalID(object.metaverseID)
                w.bool(object.isPendingAdd)
            }
        case .metaverse(let start):
            var index = start
            for _ in 0..<job.count {
                let object = metaverse[index].value
                metaverse.formIndex(after: &index)
                w.varint(object.id.rawValue)
                names.write(object.objectType.rawValue, to: &w)
                w.count(object.attributes.count)
                for (name, value) in object.attributes {
                    names.write(name, to: &w)
                    w.values(value.values)
                    w.bool(value.isAuthoritativeNull)
                    names.write(value.contributor.rule, to: &w)
                    names.write(value.contributor.connector, to: &w)
                    w.string(value.contributor.anchor.rawValue)
                    w.int(Int64(value.contributor.precedence))
                }
                w.count(object.links.count)
                for link in object.links {
                    names.write(link.connector, to: &w)
                    w.string(link.anchor.rawValue)
                }
                if let link = object.projectedBy {
                    w.byte(1)
                    names.write(link.connector, to: &w)
                    w.string(link.anchor.rawValue)
                } else {
                    w.byte(0)
                }
            }
        }
        return w.bytes
    }

    /// Pending exports, unconfirmed exports, errors and the three anchor sets of a space (versions 1 and 2).
    func writeExportsAndSets(of space: ConnectorSpace, to w: inout BinaryWriter) {
        w.count(space.pendingExports.count)
        for export in space.pendingExports.values {
            w.string(export.anchor.rawValue)
            w.string(export.objectType.rawValue)
            w.operation(export.operation)
            w.optionalID(export.metaverseID)
        }
        w.count(space.unconfirmedExports.count)
        for (anchor, operation) in space.unconfirmedExports {
            w.string(anchor.rawValue)
            w.operation(operation)
        }
        w.count(space.errors.count)
        for (anchor, error) in space.errors {
            w.string(anchor.rawValue)
            w.optionalString(error.rule)
            w.string(error.code)
            w.string(error.message)
        }
        for set in [space.heldDeletes, space.approvedDeletes, space.changedSinceSync] {
            w.count(set.count)
            for anchor in set { w.string(anchor.rawValue) }
        }
    }

    static func readExportsAndSets(into space: inout ConnectorSpace, from r: inout BinaryReader) throws(BinaryReader
        .Malformed)
    {
        // Each table sized before it is filled: this part decodes before the chunks, on one core.
        let pendingCount = try r.count()
        space.pendingExports.reserveCapacity(pendingCount)
        for _ in 0..<pendingCount {
            let export = PendingExport(
                anchor: Anchor(try r.string()), objectType: ObjectType(try r.string()), operation: try r.operation(),
                metaverseID: try r.optionalID())
            space.pendingExports[export.anchor] = export
        }
        let unconfirmedCount = try r.count()
        space.unconfirmedExports.reserveCapacity(unconfirmedCount)
        for _ in 0..<unconfirmedCount {
            space.unconfirmedExports[Anchor(try r.string())] = try r.operation()
        }
        let errorCount = try r.count()
        space.errors.reserveCapacity(errorCount)
        for _ in 0..<errorCount {
            let anchor = Anchor(try r.string())
            space.errors[anchor] = SyncErrorRecord(
                rule: try r.optionalString(), code: try r.string(), message: try r.string())
        }
        for set in [\ConnectorSpace.heldDeletes, \.approvedDeletes, \.changedSinceSync] {
            let count = try r.count()
            var anchors = Set<Anchor>(minimumCapacity: count)
            for _ in 0..<count { anchors.insert(Anchor(try r.string())) }
            space[keyPath: set] = anchors
        }
    }

    /// Passes over what ``readExportsAndSets(into:from:)`` reads, measuring without making anything, and
    /// returns where it lies: a version 2 checkpoint's space decodes it on a core of its own, beside the
    /// chunks (a million pending adds, say, after a full sync, would otherwise hold up one core alone).
    static func skipExportsAndSets(from r: inout BinaryReader) throws(BinaryReader.Malformed) -> Range<Int> {
        func skipOperation() throws(BinaryReader.Malformed) {
            let tag = try r.byte()
            if tag == 0, try r.bool() { _ = try r.stringBytes() }
            switch tag {
            case 0, 1:
                for _ in 0..<(try r.count()) {
                    _ = try r.stringBytes()
                    try r.skipValues(checkingText: false)
                }
            case 2: _ = try r.stringBytes()
            case 3: break
            default: throw BinaryReader.Malformed(reason: "unknown export operation \(tag)", offset: r.offset)
            }
        }
        let start = r.offset
        for _ in 0..<(try r.count()) {
            _ = try r.stringBytes()
            _ = try r.stringBytes()
            try skipOperation()
            if try r.bool() { _ = try r.varint() }
        }
        for _ in 0..<(try r.count()) {
            _ = try r.stringBytes()
            try skipOperation()
        }
        for _ in 0..<(try r.count()) {
            _ = try r.stringBytes()
            if try r.bool() { _ = try r.stringBytes() }
            _ = try r.stringBytes()
            _ = try r.stringBytes()
        }
        for _ in 0..<3 {
            for _ in 0..<(try r.count()) { _ = try r.stringBytes() }
        }
        return start..<r.offset
    }

    /// Runs, restore points and the connectors awaiting an import (versions 1 and 2).
    func writeRunsAndPoints(to w: inout BinaryWriter) {
        w.count(runs.count)
        for run in runs {
            w.varint(run.runID)
            w.optionalString(run.connector)
            w.string(run.profile.rawValue)
            w.varint(run.startSeq)
            w.int(run.startTimeMicroseconds)
            w.bool(run.endTimeMicroseconds != nil)
            if let end = run.endTimeMicroseconds { w.int(end) }
            w.optionalString(run.status?.rawValue)
            w.bool(run.statistics != nil)
            if let s = run.statistics {
                for n in [
                    s.adds, s.updates, s.deletes, s.renames, s.unchanged, s.errors, s.projections, s.joins,
                    s.disconnections, s.exportsStaged,
                ] { w.count(n) }
            }
            w.optionalString(run.message)
        }
        w.count(restorePoints.count)
        for point in restorePoints {
            w.string(point.name)
            w.varint(point.seq)
        }
        w.count(awaitingImport.count)
        for name in awaitingImport.sorted() { w.string(name) }
    }

    mutating func readRunsAndPoints(from r: inout BinaryReader) throws(BinaryReader.Malformed) {
        for _ in 0..<(try r.count()) {
            let runID = try r.varint()
            let connector = try r.optionalString()
            let profileName = try r.string()
            guard let profile = RunProfile(rawValue: profileName) else {
                throw BinaryReader.Malformed(reason: "unknown run profile '\(profileName)'", offset: r.offset)
            }
            var run = RunRecord(
                runID: runID, connector: connector, profile: profile, startSeq: try r.varint(),
                startTimeMicroseconds: try r.int())
            if try r.bool() { run.endTimeMicroseconds = try r.int() }
            if let statusName = try r.optionalString() {
                guard let status = RunStatus(rawValue: statusName) else {
                    throw BinaryReader.Malformed(reason: "unknown run status '\(statusName)'", offset: r.offset)
                }
                run.status = status
            }
            if try r.bool() {
                var s = RunStatistics()
                s.adds = try r.number()
                s.updates = try r.number()
                s.deletes = try r.number()
                s.renames = try r.number()
                s.unchanged = try r.number()
                s.errors = try r.number()
                s.projections = try r.number()
                s.joins = try r.number()
                s.disconnections = try r.number()
                s.exportsStaged = try r.number()
                run.statistics = s
            }
            run.message = try r.optionalString()
            runs.append(run)
        }
        for _ in 0..<(try r.count()) { restorePoints.append((try r.string(), try r.varint())) }
        for _ in 0..<(try r.count()) { awaitingImport.insert(try r.string()) }
    }

    /// Rebuilds a state from ``checkpointPayload()`` (codec version 2) or from a payload an
    /// earlier build wrote (version 1).
    ///
    /// - Throws: ``EngineError`` `.malformedEvent` if the bytes do not decode.
    public init(checkpointPayload bytes: [UInt8]) throws(EngineError) {
        do {
            switch bytes.first {
            case 1:
                var r = BinaryReader(bytes)
                try self.init(decodingVersion1: &r)
                guard r.isAtEnd else { throw BinaryReader.Malformed(reason: "trailing bytes", offset: r.offset) }
            case 2:
                try self.init(decodingVersion2: bytes)
            case let version:
                throw EngineError(
                    .malformedEvent,
                    "checkpoint state uses codec version \(version.map(String.init) ?? "(none)"); this build reads "
                        + "versions 1 and \(Self.checkpointCodecVersion)")
            }
        } catch let error as BinaryReader.Malformed {
            throw EngineError(
                .malformedEvent, "checkpoint state does not decode: \(error.reason) at byte \(error.offset)")
        } catch let error as EngineError {
            throw error
        } catch {
            throw EngineError(.malformedEvent, "checkpoint state does not decode")
        }
    }

    /// Where the chunks of one big collection are: their objects decode in parallel.
    private struct Chunk: Sendable {
        /// The connector space's position, or `nil` for the metaverse.
        var space: Int?
        var count: Int
        var bytes: Range<Int>
    }

    private enum Decoded: Sendable {
        /// A space's pending exports, unconfirmed exports, errors and anchor sets.
        case exports(ConnectorSpace)
        case objects([ConnectorSpaceObject])
        case metaverse([MetaverseObject])
        case objectTable([Anchor: ConnectorSpaceObject])
        case metaverseTable([MetaverseID: MetaverseObject])
    }

    private init(decodingVersion2 bytes: [UInt8]) throws {
        self.init()
        var r = BinaryReader(bytes)
        _ = try r.byte()
        lastSeq = try r.varint()
        epoch = try r.varint()
        nextMetaverseID = try r.varint()
        configurationHash = try r.optionalString()
        var names: [String] = []
        for _ in 0..<(try r.count()) { names.append(try r.string()) }
        var chunks: [Chunk] = []
        var spaces: [ConnectorSpace] = []
        var exportSections: [Range<Int>] = []
        var spaceSizes: [Int] = []
        func readChunks(space: Int?) throws(BinaryReader.Malformed) {
            for _ in 0..<(try r.count()) {
                let count = try r.count()
                chunks.append(Chunk(space: space, count: count, bytes: try r.skip(try r.count())))
            }
        }
        for index in 0..<(try r.count()) {
            var space = ConnectorSpace(connector: try r.string())
            space.watermark = try r.optionalString().map(Watermark.init)
            spaceSizes.append(try r.count())
            try readChunks(space: index)
            exportSections.append(try Self.skipExportsAndSets(from: &r))
            spaces.append(space)
        }
        let metaverseSize = try r.count()
        try readChunks(space: nil)
        try readRunsAndPoints(from: &r)
        var inDoubt: [(String, Anchor, UInt64)] = []
        for _ in 0..<(try r.count()) { inDoubt.append((try r.string(), Anchor(try r.string()), try r.varint())) }
        guard r.isAtEnd else { throw BinaryReader.Malformed(reason: "trailing bytes", offset: r.offset) }

        // The spaces' exports and the objects chunk by chunk, on every core (the exports first: a space's are
        // one job, maybe the longest); then each table filled on a core of its own.
        let (allChunks, nameTable, sizes, spaceCount, sections) = (
            chunks, names, spaceSizes, spaces.count, exportSections
        )
        let decoded = try concurrentMap(spaceCount + allChunks.count) { index in
            if index < spaceCount {
                var r = BinaryReader(bytes, range: sections[index])
                var space = ConnectorSpace(connector: "")
                try Self.readExportsAndSets(into: &space, from: &r)
                guard r.isAtEnd else {
                    throw BinaryReader.Malformed(reason: "a space's exports end before their length", offset: r.offset)
                }
                return Decoded.exports(space)
            }
            let chunk = allChunks[index - spaceCount]
            var r = BinaryReader(bytes, range: chunk.bytes)
            // Names of this chunk's own: strings shared by every core would contend for their reference counts.
            let nameTable = nameTable.map { String(decoding: Array($0.utf8), as: UTF8.self) }
            let result: Decoded =
                chunk.space == nil
                ? .metaverse(try Self.decodeMetaverseObjects(chunk.count, from: &r, names: nameTable))
                : .objects(try Self.decodeSpaceObjects(chunk.count, from: &r, names: nameTable))
            guard r.isAtEnd else {
                throw BinaryReader.Malformed(reason: "a chunk ends before its length", offset: r.offset)
            }
            return result
        }
        for (index, result) in decoded.prefix(spaceCount).enumerated() {
            guard case .exports(let exports) = result else { preconditionFailure("a space's exports come first") }
            spaces[index].pendingExports = exports.pendingExports
            spaces[index].unconfirmedExports = exports.unconfirmedExports
            spaces[index].errors = exports.errors
            spaces[index].heldDeletes = exports.heldDeletes
            spaces[index].approvedDeletes = exports.approvedDeletes
            spaces[index].changedSinceSync = exports.changedSinceSync
        }
        let decodedChunks = Array(decoded.dropFirst(spaceCount))
        let tables = try concurrentMap(spaceCount + 1) { table in
            if table < spaceCount {
                var objects = [Anchor: ConnectorSpaceObject](minimumCapacity: sizes[table])
                for (chunk, result) in zip(allChunks, decodedChunks) where chunk.space == table {
                    guard case .objects(let list) = result else { continue }
                    for object in list { objects[object.anchor] = object }
                }
                guard objects.count == sizes[table] else {
                    throw BinaryReader.Malformed(reason: "a connector space's object count is wrong", offset: 0)
                }
                return Decoded.objectTable(objects)
            }
            var objects = [MetaverseID: MetaverseObject](minimumCapacity: metaverseSize)
            for result in decodedChunks {
                guard case .metaverse(let list) = result else { continue }
                for object in list { objects[object.id] = object }
            }
            guard objects.count == metaverseSize else {
                throw BinaryReader.Malformed(reason: "the metaverse object count is wrong", offset: 0)
            }
            return Decoded.metaverseTable(objects)
        }
        for (index, table) in tables.enumerated() {
            switch table {
            case .objectTable(let objects): spaces[index].objects = objects
            case .metaverseTable(let objects): metaverse = objects
            case .exports, .objects, .metaverse: preconditionFailure("tables hold tables")
            }
        }
        for space in spaces { connectorSpaces[space.connector] = space }
        for (connector, anchor, epoch) in inDoubt {
            guard connectorSpaces[connector] != nil else {
                throw BinaryReader.Malformed(
                    reason: "an export in doubt names connector '\(connector)', which has no space", offset: r.offset)
            }
            connectorSpaces[connector]!.inDoubtExports[anchor] = epoch
        }
    }

    private static func decodeSpaceObjects(
        _ count: Int, from r: inout BinaryReader, names: [String]
    ) throws(BinaryReader.Malformed) -> [ConnectorSpaceObject] {
        var objects: [ConnectorSpaceObject] = []
        objects.reserveCapacity(count)
        let packedNames = PackedNames(names)
        // Where each attribute of the object being read is: its name's number and its values' bytes.
        var spans: [(name: Int, block: Range<Int>)] = []
        for _ in 0..<count {
            let anchor = Anchor(try r.string())
            let type = ObjectType(try r.name(names))
            let dn = try r.optionalString()
            let attributeCount = try r.count()
            // The values are checked and measured first, so that the object's buffer is allocated once at its
            // exact size and filled by copying: names come in ascending order and values in the journal's
            // encoding, as the buffer lays them out (see ``PackedAttributes``).
            spans.removeAll(keepingCapacity: true)
            let first = r.offset
            var size = 0
            for _ in 0..<attributeCount {
                let name = try r.number(below: names.count)
                let start = r.offset
                try r.skipValues()
                spans.append((name, start..<r.offset))
                size += PackedAttributes.attributeSize(name: packedNames.ranges[name].count, block: r.offset - start)
            }
            let attributes = r.withBytes(first..<r.offset) { source in
                PackedAttributes.exactly(count: attributeCount, size: size) { buffer, at in
                    for span in spans {
                        packedNames.copy(span.name, into: buffer, at: &at)
                        buffer.putBlock(source, span.block.lowerBound - first..<span.block.upperBound - first, at: &at)
                    }
                }
            }
            objects.append(
                ConnectorSpaceObject(
                    anchor: anchor, objectType: type, distinguishedName: dn, attributes: attributes,
                    metaverseID: try r.optionalID(), isPendingAdd: try r.bool()))
        }
        return objects
    }

    private static func decodeMetaverseObjects(
        _ count: Int, from r: inout BinaryReader, names: [String]
    ) throws(BinaryReader.Malformed) -> [MetaverseObject] {
        var objects: [MetaverseObject] = []
        objects.reserveCapacity(count)
        // Sync makes one contributor per rule and object, which most of the object's values share:
        // reusing it (and its anchor for the links) as the live state does saves a record, and often
        // a string, per value.
        var contributors = ContributorCache()
        let packedNames = PackedNames(names)
        let ranks = Self.ranks(of: names)
        // The attributes of the object being read: name number, values' bytes, AuthoritativeNull; their contributors.
        var spans: [(name: Int, block: Range<Int>, isAuthoritativeNull: Bool)] = []
        var made: [Contributor] = []
        for _ in 0..<count {
            var object = MetaverseObject(id: MetaverseID(try r.varint()), objectType: ObjectType(try r.name(names)))
            contributors.removeAll()
            spans.removeAll(keepingCapacity: true)
            made.removeAll(keepingCapacity: true)
            let attributeCount = try r.count()
            let first = r.offset
            var size = 0
            var previousRank = -1
            var ascending = true
            for _ in 0..<attributeCount {
                let name = try r.number(below: names.count)
                let start = r.offset
                try r.skipValues()
                let block = start..<r.offset
                let isNull = try r.bool()
                made.append(try contributors.contributor(from: &r, names: names))
                spans.append((name, block, isNull))
                ascending = ascending && ranks[name] > previousRank
                previousRank = ranks[name]
                // The name, then a flag byte (AuthoritativeNull), then the block (see ``MetaverseAttributes``).
                size += PackedAttributes.attributeSize(name: packedNames.ranges[name].count + 1, block: block.count)
            }
            if ascending {
                // As this version writes them: the buffer is allocated once at its exact size and filled by copying.
                var lastStart = 0
                let bytes = r.withBytes(first..<r.offset) { source in
                    [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
                        var at = 0
                        for span in spans {
                            lastStart = at
                            packedNames.copy(span.name, into: buffer, at: &at)
                            buffer[at] = span.isAuthoritativeNull ? 1 : 0
                            at += 1
                            buffer.putBlock(
                                source, span.block.lowerBound - first..<span.block.upperBound - first, at: &at)
                        }
                        precondition(at == size, "a metaverse object's attributes were measured wrong")
                        initialized = at
                    }
                }
                object.attributes = MetaverseAttributes(packed: bytes, contributors: Array(made), lastStart: lastStart)
            } else {
                // A checkpoint written before the metaverse was packed holds the names in any order.
                var attributes: [String: MetaverseValue] = [:]
                for (span, contributor) in zip(spans, made) {
                    let name = names[span.name]
                    guard attributes[name] == nil else {
                        throw BinaryReader.Malformed(
                            reason: "metaverse attribute '\(name)' is repeated", offset: r.offset)
                    }
                    var values = BinaryReader(Array(r.bytesSlice(span.block)))
                    attributes[name] = MetaverseValue(
                        values: try values.values(), contributor: contributor,
                        isAuthoritativeNull: span.isAuthoritativeNull)
                }
                object.attributes = MetaverseAttributes(attributes)
            }
            let linkCount = try r.count()
            for _ in 0..<linkCount {
                object.links.insert(try contributors.link(from: &r, names: names))
            }
            if try r.bool() {
                object.projectedBy = try contributors.link(from: &r, names: names)
            }
            objects.append(object)
        }
        return objects
    }

    /// Each name's place in `String` order, equal names at the same place: ascending places mean
    /// ascending, distinct names.
    private static func ranks(of names: [String]) -> [Int] {
        var ranks = [Int](repeating: 0, count: names.count)
        var rank = -1
        var previous: String?
        for index in names.indices.sorted(by: { names[$0] < names[$1] }) {
            if names[index] != previous { rank += 1 }
            previous = names[index]
            ranks[index] = rank
        }
        return ranks
    }
}

/// One metaverse object's contributors as a checkpoint decodes them, each made once.
private struct ContributorCache {
    private var entries: [(rule: Int, connector: Int, anchor: Range<Int>, precedence: Int64, made: Contributor)] = []

    mutating func removeAll() { entries.removeAll(keepingCapacity: true) }

    /// The next contributor (rule, connector, anchor, precedence), made if no earlier value of the
    /// object had the same.
    mutating func contributor(
        from r: inout BinaryReader, names: [String]
    ) throws(BinaryReader.Malformed) -> Contributor {
        let rule = try r.number(below: names.count)
        let connector = try r.number(below: names.count)
        let anchor = try r.stringBytes()
        let precedence = try r.int()
        for entry in entries
        where entry.rule == rule && entry.connector == connector && entry.precedence == precedence
            && r.sameBytes(entry.anchor, anchor)
        {
            return entry.made
        }
        let made = Contributor(
            rule: names[rule], connector: names[connector], anchor: Anchor(try r.string(at: anchor)),
            precedence: Int(precedence))
        entries.append((rule, connector, anchor, precedence, made))
        return made
    }

    /// A link (connector name, anchor), its anchor shared with a contributor's when they match.
    func link(from r: inout BinaryReader, names: [String]) throws(BinaryReader.Malformed) -> ConnectorSpaceLink {
        let connector = try r.number(below: names.count)
        let anchor = try r.stringBytes()
        for entry in entries where entry.connector == connector && r.sameBytes(entry.anchor, anchor) {
            return ConnectorSpaceLink(connector: names[connector], anchor: entry.made.anchor)
        }
        return ConnectorSpaceLink(connector: names[connector], anchor: Anchor(try r.string(at: anchor)))
    }
}

/// A checkpoint's names as an attribute buffer begins each (varint length, UTF-8), all in one array.
private struct PackedNames {
    private var bytes: [UInt8] = []
    private(set) var ranges: [Range<Int>] = []

    init(_ names: [String]) {
        ranges.reserveCapacity(names.count)
        for name in names {
            let start = bytes.count
            PackedAttributes.appendVarint(UInt64(name.utf8.count), to: &bytes)
            bytes.append(contentsOf: name.utf8)
            ranges.append(start..<bytes.count)
        }
    }

    func copy(_ name: Int, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: inout Int) {
        bytes.withUnsafeBufferPointer { buffer.put($0, ranges[name], at: &offset) }
    }
}

/// The names a version 2 checkpoint writes once and refers to by number.
struct CheckpointNames: Sendable {
    private(set) var names: [String] = []
    private var numbers: [String: Int] = [:]

    /// Adds `name` to the table unless it is there.
    mutating func add(_ name: String) {
        if numbers[name] == nil {
            numbers[name] = names.count
            names.append(name)
        }
    }

    /// Writes the number of `name`, which the table holds.
    func write(_ name: String, to w: inout BinaryWriter) {
        guard let number = numbers[name] else { preconditionFailure("'\(name)' is not in the checkpoint's name table") }
        w.count(number)
    }
}

extension BinaryWriter {
    /// Chunks as version 2 lays them out: `count` chunks, each `count` objects, `count` bytes, the bytes.
    mutating func chunks(_ chunks: [(count: Int, bytes: [UInt8])]) {
        count(chunks.count)
        for chunk in chunks {
            count(chunk.count)
            data(chunk.bytes)
        }
    }
}

extension BinaryReader {
    /// A name from a version 2 checkpoint's table.
    mutating func name(_ names: [String]) throws(Malformed) -> String {
        let number = try varint()
        guard number < UInt64(names.count) else {
            throw Malformed(reason: "name \(number) is not in the table of \(names.count)", offset: offset)
        }
        return names[Int(number)]
    }
}
