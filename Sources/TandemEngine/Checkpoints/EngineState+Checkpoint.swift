import ConnectorKit

extension EngineState {
    /// The version byte that starts a checkpoint payload (Journal/FORMAT.md, "Engine state in a checkpoint").
    static let checkpointCodecVersion: UInt8 = 1

    /// The whole state — everything replay would rebuild, history included — in the engine's
    /// compact binary encoding, for a checkpoint file.
    public func checkpointPayload() -> [UInt8] {
        var w = BinaryWriter(capacity: 1 << 20)
        w.byte(Self.checkpointCodecVersion)
        w.varint(lastSeq)
        w.varint(epoch)
        w.varint(nextMetaverseID)
        w.optionalString(configurationHash)
        w.count(connectorSpaces.count)
        for name in connectorSpaces.keys.sorted() {
            let space = connectorSpaces[name]!
            w.string(name)
            w.optionalString(space.watermark?.value)
            w.count(space.objects.count)
            for object in space.objects.values {
                w.string(object.anchor.rawValue)
                w.string(object.objectType.rawValue)
                w.optionalString(object.distinguishedName)
                w.attributes(object.attributes)
                w.optionalID(object.metaverseID)
                w.bool(object.isPendingAdd)
            }
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
        w.count(metaverse.count)
        for object in metaverse.values {
            w.varint(object.id.rawValue)
            w.string(object.objectType.rawValue)
            w.count(object.attributes.count)
            for (name, value) in object.attributes {
                w.string(name)
                w.values(value.values)
                w.bool(value.isAuthoritativeNull)
                w.contributor(value.contributor)
            }
            w.count(object.links.count)
            for link in object.links { w.link(link) }
            if let link = object.projectedBy {
                w.byte(1)
                w.link(link)
            } else {
                w.byte(0)
            }
        }
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
        // Exports in doubt, only when there are any (older checkpoints end before this section).
        let inDoubt = connectorSpaces.keys.sorted().flatMap { name in
            connectorSpaces[name]!.inDoubtExports.map { (name, $0.key, $0.value) }
        }
        if !inDoubt.isEmpty {
            w.count(inDoubt.count)
            for (connector, anchor, epoch) in inDoubt {
                w.string(connector)
                w.string(anchor.rawValue)
                w.varint(epoch)
            }
        }
        return w.bytes
    }

    /// Rebuilds a state from ``checkpointPayload()``.
    ///
    /// - Throws: ``EngineError`` `.malformedEvent` if the bytes do not decode.
    public init(checkpointPayload bytes: [UInt8]) throws(EngineError) {
        var r = BinaryReader(bytes)
        do {
            try self.init(decoding: &r)
            guard r.isAtEnd else {
                throw BinaryReader.Malformed(reason: "trailing bytes", offset: r.offset)
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

    private init(decoding r: inout BinaryReader) throws {
        self.init()
        let version = try r.byte()
        guard version == Self.checkpointCodecVersion else {
            throw EngineError(
                .malformedEvent,
                "checkpoint state uses codec version \(version); this build reads version \(Self.checkpointCodecVersion)"
            )
        }
        lastSeq = try r.varint()
        epoch = try r.varint()
        nextMetaverseID = try r.varint()
        configurationHash = try r.optionalString()
        for _ in 0..<(try r.count()) {
            var space = ConnectorSpace(connector: try r.string())
            space.watermark = try r.optionalString().map(Watermark.init)
            let objects = try r.count()
            space.objects.reserveCapacity(objects)
            for _ in 0..<objects {
                let object = ConnectorSpaceObject(
                    anchor: Anchor(try r.string()), objectType: ObjectType(try r.string()),
                    distinguishedName: try r.optionalString(), attributes: try r.attributes(),
                    metaverseID: try r.optionalID(), isPendingAdd: try r.bool())
                space.objects[object.anchor] = object
            }
            for _ in 0..<(try r.count()) {
                let export = PendingExport(
                    anchor: Anchor(try r.string()), objectType: ObjectType(try r.string()),
                    operation: try r.operation(),
                    metaverseID: try r.optionalID())
                space.pendingExports[export.anchor] = export
            }
            for _ in 0..<(try r.count()) {
                space.unconfirmedExports[Anchor(try r.string())] = try r.operation()
            }
            for _ in 0..<(try r.count()) {
                let anchor = Anchor(try r.string())
                space.errors[anchor] = SyncErrorRecord(
                    rule: try r.optionalString(), code: try r.string(), message: try r.string())
            }
            for _ in 0..<(try r.count()) { space.heldDeletes.insert(Anchor(try r.string())) }
            for _ in 0..<(try r.count()) { space.approvedDeletes.insert(Anchor(try r.string())) }
            for _ in 0..<(try r.count()) { space.changedSinceSync.insert(Anchor(try r.string())) }
            connectorSpaces[space.connector] = space
        }
        let objects = try r.count()
        metaverse.reserveCapacity(objects)
        for _ in 0..<objects {
            var object = MetaverseObject(id: MetaverseID(try r.varint()), objectType: ObjectType(try r.string()))
            for _ in 0..<(try r.count()) {
                let name = try r.string()
                let values = try r.values()
                let isNull = try r.bool()
                object.attributes[name] = MetaverseValue(
                    values: values, contributor: try r.contributor(), isAuthoritativeNull: isNull)
            }
            for _ in 0..<(try r.count()) { object.links.insert(try r.link()) }
            if try r.bool() { object.projectedBy = try r.link() }
            metaverse[object.id] = object
        }
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
        if !r.isAtEnd {
            for _ in 0..<(try r.count()) {
                let connector = try r.string()
                let anchor = Anchor(try r.string())
                let epoch = try r.varint()
                guard connectorSpaces[connector] != nil else {
                    throw BinaryReader.Malformed(
                        reason: "an export in doubt names connector '\(connector)', which has no space",
                        offset: r.offset)
                }
                connectorSpaces[connector]!.inDoubtExports[anchor] = epoch
            }
        }
    }
}

extension BinaryWriter {
    mutating func optionalID(_ id: MetaverseID?) {
        if let id {
            byte(1)
            varint(id.rawValue)
        } else {
            byte(0)
        }
    }

    mutating func link(_ link: ConnectorSpaceLink) {
        string(link.connector)
        string(link.anchor.rawValue)
    }

    mutating func contributor(_ contributor: Contributor) {
        string(contributor.rule)
        string(contributor.connector)
        string(contributor.anchor.rawValue)
        int(Int64(contributor.precedence))
    }

    mutating func operation(_ operation: PendingExport.Operation) {
        switch operation {
        case .add(let dn, let attributes):
            byte(0)
            optionalString(dn)
            self.attributes(attributes)
        case .update(let attributes):
            byte(1)
            self.attributes(attributes)
        case .rename(let dn):
            byte(2)
            string(dn)
        case .delete:
            byte(3)
        }
    }
}

extension BinaryReader {
    mutating func optionalID() throws(Malformed) -> MetaverseID? {
        try bool() ? MetaverseID(try varint()) : nil
    }

    mutating func link() throws(Malformed) -> ConnectorSpaceLink {
        ConnectorSpaceLink(connector: try string(), anchor: Anchor(try string()))
    }

    mutating func contributor() throws(Malformed) -> Contributor {
        Contributor(
            rule: try string(), connector: try string(), anchor: Anchor(try string()), precedence: Int(try int()))
    }

    mutating func operation() throws(Malformed) -> PendingExport.Operation {
        switch try byte() {
        case 0: return .add(distinguishedName: try optionalString(), attributes: try attributes())
        case 1: return .update(try attributes())
        case 2: return .rename(distinguishedName: try string())
        case 3: return .delete
        case let tag: throw Malformed(reason: "unknown export operation \(tag)", offset: offset)
        }
    }
}
