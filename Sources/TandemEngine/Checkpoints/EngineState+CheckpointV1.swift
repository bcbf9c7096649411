import ConnectorKit

extension EngineState {
    /// The state in checkpoint codec version 1, as builds before version 2 wrote it: one
    /// sequential stream with every name spelt out. Kept so that tests prove those checkpoints
    /// still read.
    func checkpointPayloadVersion1() -> [UInt8] {
        var w = BinaryWriter(capacity: 1 << 20)
        w.byte(1)
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
            writeExportsAndSets(of: space, to: &w)
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
        writeRunsAndPoints(to: &w)
        // Exports in doubt, only when there are any (the oldest version 1 checkpoints end before this section).
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

    /// Decodes a version 1 payload (its version byte first).
    init(decodingVersion1 r: inout BinaryReader) throws {
        self.init()
        _ = try r.byte()
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
                    distinguishedName: try r.optionalString(), attributes: PackedAttributes(try r.attributes()),
                    metaverseID: try r.optionalID(), isPendingAdd: try r.bool())
                space.objects[object.anchor] = object
            }
            try Self.readExportsAndSets(into: &space, from: &r)
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
        try readRunsAndPoints(from: &r)
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
        case 0: return .add(distinguishedName: try optionalString(), attributes: try packedAttributes())
        case 1: return .update(try packedAttributes())
        case 2: return .rename(distinguishedName: try string())
        case 3: return .delete
        case let tag: throw Malformed(reason: "unknown export operation \(tag)", offset: offset)
        }
    }
}
