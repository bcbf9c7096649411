import ConnectorKit
import Foundation
import Testing

@testable import TandemEngine
@testable import TandemJournal

/// Checkpoints: a replay that starts from one equals a replay from seq 1, at any seq; damaged
/// checkpoints are skipped; the engine opens from the newest.
@Suite struct CheckpointTests {
    @Test(arguments: [11, 22] as [UInt64])
    func replayFromCheckpointEqualsReplayFromScratch(seed: UInt64) async throws {
        var workload = try await TimeTravelWorkload(seed: seed, checkpointInterval: 9)
        for _ in 0..<12 { try await workload.step() }
        let checkpoints = workload.harness.checkpoints
        let listed = try checkpoints.store.list()
        #expect(listed.count >= 3, "an interval of 9 events leaves several checkpoints")
        let last = await workload.harness.state.lastSeq
        var random = SeededRandom(seed: seed)
        var targets = (0..<10).map { _ in UInt64.random(in: 1...last, using: &random) }
        targets += listed.map(\.seq) + [last]
        for seq in targets {
            let fast = try EngineReplay.replay(
                directory: workload.journalDirectory, checkpoints: checkpoints, through: seq)
            #expect(fast.state.lastSeq == seq)
            #expect(fast.state.stateDigest == (try workload.digestFromScratch(through: seq)), "seq \(seq)")
            let expectedStart = listed.last { $0.seq <= seq }?.seq
            #expect(fast.checkpoint?.seq == expectedStart, "seq \(seq) starts from the newest checkpoint before it")
            #expect(fast.eventsReplayed == Int(seq - (expectedStart ?? 0)))
        }
        await workload.harness.close()
    }

    @Test func checkpointEventRecordsTheDigest() async throws {
        var workload = try await TimeTravelWorkload(seed: 5, checkpointInterval: 1_000)
        try await workload.step()
        let taken = try await workload.harness.engine.checkpoint()
        #expect(taken.stateDigest == (try workload.digestFromScratch(through: taken.seq)))
        let reader = try JournalReader(directory: workload.journalDirectory)
        let event = try #require(try EngineEventCodec.decode(reader.events(in: (taken.seq + 1)...(taken.seq + 1))[0]))
        #expect(event == .checkpointTaken(taken))
        let (header, payload) = try workload.harness.checkpoints.store.read(seq: taken.seq)
        #expect(EngineCheckpoints.hex(header.stateDigest) == taken.stateDigest)
        let decoded = try EngineState(checkpointPayload: payload)
        let live = await workload.harness.state
        #expect(decoded.stateDigest == taken.stateDigest)
        #expect(decoded.runs == live.runs)
        #expect(decoded.restorePoints.map(\.name) == live.restorePoints.map(\.name))
        await workload.harness.close()
    }

    @Test func everyCodecVersionDecodesToTheSameState() async throws {
        var workload = try await TimeTravelWorkload(seed: 13, checkpointInterval: nil)
        for _ in 0..<4 { try await workload.step() }
        _ = try await workload.harness.engine.recordRestorePoint("mid")
        for _ in 0..<4 { try await workload.step() }
        let state = await workload.harness.state
        #expect(state.checkpointPayload().first == EngineState.checkpointCodecVersion)
        let payloads = [
            state.checkpointPayloadVersion1(), state.checkpointPayload(), state.checkpointPayload(chunkObjects: 3),
            state.checkpointPayload(chunkObjects: 1),
        ]
        for (index, payload) in payloads.enumerated() {
            let decoded = try EngineState(checkpointPayload: payload)
            #expect(decoded.stateDigest == state.stateDigest, "payload \(index)")
            #expect(decoded.lastSeq == state.lastSeq && decoded.epoch == state.epoch)
            #expect(decoded.nextMetaverseID == state.nextMetaverseID)
            #expect(decoded.configurationHash == state.configurationHash)
            #expect(decoded.runs == state.runs)
            #expect(decoded.restorePoints.map(\.name) == state.restorePoints.map(\.name))
            #expect(decoded.restorePoints.map(\.seq) == state.restorePoints.map(\.seq))
            #expect(decoded.awaitingImport == state.awaitingImport)
            #expect(decoded.connectorSpaces == state.connectorSpaces)
            #expect(decoded.metaverse == state.metaverse)
        }
        await workload.harness.close()
    }

    @Test func aTruncatedOrUnknownPayloadIsRejected() async throws {
        var workload = try await TimeTravelWorkload(seed: 17, checkpointInterval: nil)
        try await workload.step()
        let payload = await workload.harness.state.checkpointPayload(chunkObjects: 2)
        for length in 0..<payload.count {
            #expect(throws: EngineError.self, "\(length) bytes") {
                try EngineState(checkpointPayload: Array(payload[0..<length]))
            }
        }
        var unknown = payload
        unknown[0] = 3
        let error = try #require(throws: EngineError.self) { try EngineState(checkpointPayload: unknown) }
        #expect(error.message == "checkpoint state uses codec version 3; this build reads versions 1 and 2")
        await workload.harness.close()
    }

    @Test func damagedCheckpointIsSkippedForAnOlderOne() async throws {
        var workload = try await TimeTravelWorkload(seed: 7, checkpointInterval: 9)
        for _ in 0..<8 { try await workload.step() }
        let checkpoints = workload.harness.checkpoints
        let listed = try checkpoints.store.list()
        try #require(listed.count >= 2)
        let newest = listed.last!
        let path = checkpoints.store.directory + "/" + newest.fileName
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count - 3] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(throws: JournalError.self) { try checkpoints.store.read(seq: newest.seq) }
        let result = try EngineReplay.replay(directory: workload.journalDirectory, checkpoints: checkpoints)
        #expect(result.checkpoint?.seq == listed[listed.count - 2].seq)
        #expect(result.state.stateDigest == (try workload.digestFromScratch(through: result.state.lastSeq)))
        // The engine opens from the older checkpoint too, with the same state.
        let live = await workload.harness.state.stateDigest
        try await workload.harness.reopen()
        #expect(await workload.harness.state.stateDigest == live)
        await workload.harness.close()
    }

    /// The decoder makes each of an object's contributors once and shares it between the values (and
    /// the links' anchors) that have it; contributors that differ in one field only stay apart.
    @Test(arguments: [1, 2, 8_192])
    func sharedContributorsDecodeToTheSameState(chunkObjects: Int) throws {
        var state = EngineState()
        state.lastSeq = 9
        let variants = [
            Contributor(rule: "hr-in", connector: "hr", anchor: "E1", precedence: 1),
            Contributor(rule: "hr-in-2", connector: "hr", anchor: "E1", precedence: 1),
            Contributor(rule: "hr-in", connector: "directory", anchor: "E1", precedence: 1),
            Contributor(rule: "hr-in", connector: "hr", anchor: "E10", precedence: 1),
            Contributor(rule: "hr-in", connector: "hr", anchor: "E", precedence: 1),
            Contributor(rule: "hr-in", connector: "hr", anchor: "E1", precedence: -3),
            Contributor(rule: "hr-in", connector: "hr", anchor: "é-ünïcode-anchor-longer-than-15", precedence: 1),
        ]
        for id in 1...3 as ClosedRange<UInt64> {
            var object = MetaverseObject(id: MetaverseID(id), objectType: "person")
            // Each object's contributors in another order, so a cache carried over from the previous
            // object would hand out the wrong one.
            let rotated = Array(variants[Int(id)...] + variants[..<Int(id)])
            for (index, contributor) in (rotated + rotated.reversed()).enumerated() {
                object.attributes["a\(index)"] = MetaverseValue(
                    values: [.string("v\(index)")], contributor: contributor, isAuthoritativeNull: index == 3)
            }
            object.links = [
                ConnectorSpaceLink(connector: "hr", anchor: "E1"),
                ConnectorSpaceLink(connector: "directory", anchor: "E10"),
                ConnectorSpaceLink(connector: "hr", anchor: Anchor("E\(id + 1)")),
            ]
            object.projectedBy = id == 2 ? nil : ConnectorSpaceLink(connector: "hr", anchor: "E1")
            state.metaverse[object.id] = object
        }
        let decoded = try EngineState(checkpointPayload: state.checkpointPayload(chunkObjects: chunkObjects))
        #expect(decoded.metaverse == state.metaverse)
        for (id, object) in state.metaverse {
            for (name, value) in object.attributes {
                let other = try #require(decoded.metaverse[id]?.attributes[name])
                #expect(other.contributor.rule == value.contributor.rule, "\(id) \(name)")
                #expect(other.contributor.connector == value.contributor.connector, "\(id) \(name)")
                #expect(other.contributor.anchor.rawValue == value.contributor.anchor.rawValue, "\(id) \(name)")
                #expect(other.contributor.precedence == value.contributor.precedence, "\(id) \(name)")
            }
        }
        #expect(decoded.stateDigest == state.stateDigest)
    }

    /// The decoder builds each object's attribute dictionary from a template per list of names; objects
    /// with other names, the same names in another order, fewer or more names, or no attributes, in
    /// any mix and more lists than the templates it keeps, decode to the same objects.
    @Test(arguments: [1, 7, 8_192])
    func objectsWithEveryMixOfAttributeNamesDecodeToTheSameState(chunkObjects: Int) throws {
        var state = EngineState()
        state.lastSeq = 4
        let contributor = Contributor(rule: "hr-in", connector: "hr", anchor: "E1", precedence: 1)
        var random = SeededRandom(seed: 3)
        var space = ConnectorSpace(connector: "hr")
        for id in 1...700 as ClosedRange<UInt64> {
            // Half the objects share a few lists of names; the rest have lists of their own (over 256).
            let names =
                id % 2 == 0
                ? ["cn", "mail", "sn", "title"].shuffled(using: &random).prefix(Int(id % 5))
                : ["cn", "n\(id)", "mail", "long-attribute-name-\(id % 300)"].prefix(Int(id % 4) + 1)
            var object = MetaverseObject(id: MetaverseID(id), objectType: "person")
            var attributes = Attributes()
            for (index, name) in names.enumerated() {
                let values: [AttributeValue] = [.string("\(name)-\(id)"), .integer(Int64(index))].suffix(1 + index % 2)
                object.attributes[name] = MetaverseValue(
                    values: values, contributor: contributor, isAuthoritativeNull: index == 2)
                attributes[name] = values
            }
            state.metaverse[object.id] = object
            space.objects[Anchor("E\(id)")] = ConnectorSpaceObject(
                anchor: Anchor("E\(id)"), objectType: "person", attributes: PackedAttributes(attributes),
                metaverseID: object.id)
        }
        state.connectorSpaces["hr"] = space
        let decoded = try EngineState(checkpointPayload: state.checkpointPayload(chunkObjects: chunkObjects))
        #expect(decoded.metaverse == state.metaverse)
        #expect(decoded.connectorSpaces == state.connectorSpaces)
        #expect(decoded.stateDigest == state.stateDigest)
        // A decoded dictionary is an ordinary one: changing it leaves the other objects alone.
        var changed = decoded
        changed.metaverse[MetaverseID(2)]!.attributes["cn"] = nil
        changed.metaverse[MetaverseID(2)]!.attributes["new"] = MetaverseValue(values: [], contributor: contributor)
        #expect(changed.metaverse[MetaverseID(4)] == state.metaverse[MetaverseID(4)])
        #expect(changed.metaverse[MetaverseID(2)]?.attributes["new"] != nil)
    }

    /// Each space's pending exports, unconfirmed exports, errors and anchor sets decode on a core of their own,
    /// beside the chunks: every kind of each, in two spaces, comes back as it was, and a section whose bytes
    /// end early is refused.
    @Test(arguments: [1, 8_192])
    func exportsErrorsAndAnchorSetsOfEverySpaceDecodeAsTheyWere(chunkObjects: Int) throws {
        var state = EngineState()
        state.lastSeq = 8
        for (index, name) in ["directory", "hr"].enumerated() {
            var space = ConnectorSpace(connector: name)
            let operations: [PendingExport.Operation] = [
                .add(distinguishedName: "cn=a\(index)", attributes: ["cn": [.string("a")], "n": [.integer(2)]]),
                .add(distinguishedName: nil, attributes: [:]),
                .update(["mail": [.string("\u{E9}@example.com")], "member": [.reference("B1")]]),
                .rename(distinguishedName: "cn=b\(index)"), .delete,
            ]
            for (number, operation) in operations.enumerated() {
                let anchor = Anchor("\(name)-\(number)")
                space.pendingExports[anchor] = PendingExport(
                    anchor: anchor, objectType: "person", operation: operation,
                    metaverseID: number % 2 == 0 ? MetaverseID(UInt64(number + 1)) : nil)
                space.unconfirmedExports[Anchor("\(name)-u\(number)")] = operation
            }
            space.errors[Anchor("\(name)-e1")] = SyncErrorRecord(
                rule: "hr-in", code: "duplicate-value", message: "mail taken")
            space.errors[Anchor("\(name)-e2")] = SyncErrorRecord(rule: nil, code: "export-failed", message: "")
            space.heldDeletes = [Anchor("\(name)-h1"), Anchor("\(name)-h2")]
            space.approvedDeletes = [Anchor("\(name)-h1")]
            space.changedSinceSync = index == 0 ? [] : [Anchor("\(name)-c1")]
            space.objects[Anchor("\(name)-o1")] = ConnectorSpaceObject(
                anchor: Anchor("\(name)-o1"), objectType: "person", attributes: ["cn": [.string("o")]])
            state.connectorSpaces[name] = space
        }
        let payload = state.checkpointPayload(chunkObjects: chunkObjects)
        let decoded = try EngineState(checkpointPayload: payload)
        #expect(decoded.connectorSpaces == state.connectorSpaces)
        #expect(decoded.stateDigest == state.stateDigest)
        for length in [payload.count / 2, payload.count - 5] {
            #expect(throws: EngineError.self, "cut at \(length)") {
                try EngineState(checkpointPayload: Array(payload.prefix(length)))
            }
        }
    }

    /// A version 2 payload holding one metaverse object whose attributes are given as (name number,
    /// value) in that order, over the name table `names` (which starts with the object type, rule and
    /// connector).
    private func payload(names: [String], attributes: [(name: Int, value: String)], declared: Int = 1) -> [UInt8] {
        var object = BinaryWriter(capacity: 256)
        object.varint(1)
        object.count(0)
        object.count(attributes.count)
        for (name, value) in attributes {
            object.count(name)
            object.values([.string(value)])
            object.bool(false)
            object.count(1)
            object.count(2)
            object.string("E1")
            object.int(10)
        }
        object.count(0)
        object.byte(0)
        var w = BinaryWriter(capacity: 1_024)
        w.byte(2)
        w.varint(9)
        w.varint(1)
        w.varint(2)
        w.optionalString(nil)
        w.count(names.count)
        for name in names { w.string(name) }
        w.count(0)
        w.count(declared)
        w.chunks(attributes.isEmpty ? [] : [(1, object.bytes)])
        for _ in 0..<4 { w.count(0) }
        return w.bytes
    }

    /// Checkpoints this version writes hold each metaverse object's names ascending, and decode into the
    /// packed buffer directly; earlier ones held them in any order and still decode, to the same object;
    /// a name given twice (under one number or two) is refused.
    @Test func metaverseAttributesDecodeInEveryOrderAndRepeatsAreRefused() throws {
        let names = ["person", "hr-in", "hr", "sn", "givenName", "mail", "sn"]
        let contributor = Contributor(rule: "hr-in", connector: "hr", anchor: "E1", precedence: 10)
        let expected: MetaverseAttributes = [
            "givenName": MetaverseValue(values: [.string("Ada")], contributor: contributor),
            "mail": MetaverseValue(values: [.string("ada@example.com")], contributor: contributor),
            "sn": MetaverseValue(values: [.string("Lovelace")], contributor: contributor),
        ]
        for order in [[4, 5, 3], [3, 4, 5], [5, 3, 4], [4, 5, 6]] {
            let values = ["Lovelace", "Ada", "ada@example.com", "Lovelace"]
            let state = try EngineState(
                checkpointPayload: payload(names: names, attributes: order.map { ($0, values[$0 - 3]) }))
            var decoded = try #require(state.metaverse[MetaverseID(1)]).attributes
            #expect(decoded == expected, "order \(order)")
            // The decoded buffer takes an attribute after its last one as a built one does.
            var built = expected
            let added = MetaverseValue(values: [.integer(7)], contributor: contributor)
            decoded["zz"] = added
            built["zz"] = added
            #expect(decoded == built, "order \(order)")
        }
        // The metaverse's object count must match its chunks', also when it has no chunk at all.
        for (attributes, declared) in [([(3, "x")], 2), ([(3, "x")], 0), ([], 1)] {
            #expect(throws: EngineError.self, "\(attributes.count) objects, \(declared) declared") {
                try EngineState(checkpointPayload: payload(names: names, attributes: attributes, declared: declared))
            }
        }
        #expect(
            try EngineState(checkpointPayload: payload(names: names, attributes: [], declared: 0)).metaverse.isEmpty)
        for order in [[3, 4, 3], [3, 4, 6], [4, 3, 6]] {
            let bytes = payload(names: names, attributes: order.map { ($0, "x") })
            #expect(throws: EngineError.self, "order \(order)") { try EngineState(checkpointPayload: bytes) }
            do {
                _ = try EngineState(checkpointPayload: bytes)
            } catch {
                #expect(error.message.contains("metaverse attribute 'sn' is repeated"), "order \(order)")
            }
        }
    }

    /// Parts inflate in place into one buffer: a part that is damaged, or longer or shorter than its
    /// declared length, is refused even when the file's checksum was recomputed over it.
    @Test func aDamagedOrMisdeclaredPartIsRefused() throws {
        let payload = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 * 31 / 7) }
        let stored = try CheckpointStore.compressParts(payload, level: 1, partBytes: 1_000)
        #expect(try CheckpointStore.inflateParts([0, 0] + stored, from: 2) == payload)
        let parts = Int(stored.readLittleEndian(UInt32.self, at: 0))
        #expect(parts == 10)
        // A byte in the middle of the fifth part's deflate data.
        var offset = 4 + 8 * parts
        for index in 0..<4 { offset += Int(stored.readLittleEndian(UInt32.self, at: 4 + 8 * index)) }
        var damaged = stored
        damaged[offset + 6] ^= 0x55
        #expect(throws: (any Error).self) { try CheckpointStore.inflateParts(damaged, from: 0) }
        // The fifth part declared one byte longer, and the sixth one shorter (the total unchanged).
        var misdeclared = stored
        let fifth = 4 + 8 * 4 + 4
        misdeclared[fifth] &+= 1
        misdeclared[fifth + 8] &-= 1
        #expect(throws: (any Error).self) { try CheckpointStore.inflateParts(misdeclared, from: 0) }
    }

    /// A checkpoint whose file is sound (its checksum matches) but whose state does not decode is
    /// refused with a message that says where, and replay and the engine fall back to an older one.
    @Test func aCheckpointWhoseStateDoesNotDecodeIsSkipped() async throws {
        var workload = try await TimeTravelWorkload(seed: 29, checkpointInterval: 9)
        for _ in 0..<8 { try await workload.step() }
        let checkpoints = workload.harness.checkpoints
        let listed = try checkpoints.store.list()
        try #require(listed.count >= 2)
        let newest = listed.last!
        let (header, payload) = try checkpoints.store.read(seq: newest.seq)
        // The state cut short by its last byte, in a file whose checksum is computed afresh: only the
        // decoder can tell.
        let damaged = Array(payload.dropLast())
        let error = try #require(throws: EngineError.self) { try EngineState(checkpointPayload: damaged) }
        #expect(error.message == "checkpoint state does not decode: truncated varint at byte \(damaged.count)")
        _ = try checkpoints.store.write(
            seq: header.seq, epoch: header.epoch, timeMicroseconds: header.timeMicroseconds,
            journalID: header.journalID, stateDigest: header.stateDigest, payload: damaged)
        let result = try EngineReplay.replay(directory: workload.journalDirectory, checkpoints: checkpoints)
        #expect(result.checkpoint?.seq == listed[listed.count - 2].seq)
        #expect(result.state.stateDigest == (try workload.digestFromScratch(through: result.state.lastSeq)))
        let live = await workload.harness.state.stateDigest
        try await workload.harness.reopen()
        #expect(await workload.harness.state.stateDigest == live)
        await workload.harness.close()
    }

    /// Format version 2 stores the payload in zlib parts; files of version 1 (one stream) still read.
    @Test(arguments: [(2, 1_000), (2, 4_096), (2, 100_000), (1, 0)] as [(UInt16, Int)])
    func checkpointFilesOfEitherFormatRead(version: UInt16, partBytes: Int) throws {
        let directory = FileManager.default.temporaryDirectory.path + "/tandem-ckpt-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var store = CheckpointStore(directory: directory)
        store.formatVersion = version
        if partBytes > 0 { store.partBytes = partBytes }
        let payload = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 * 13 / 7) }
        let header = try store.write(
            seq: 7, epoch: 1, timeMicroseconds: 0, journalID: UUID(), stateDigest: [UInt8](repeating: 1, count: 32),
            payload: payload)
        #expect(header.formatVersion == version)
        let (read, bytes) = try CheckpointStore(directory: directory).read(seq: 7)
        #expect(read == header)
        #expect(bytes == payload)
        // A damaged part is caught by the checksum before anything is inflated.
        let path = directory + "/0000000000000007.ckpt"
        let sound = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        var damaged = sound
        damaged[damaged.count - 5] ^= 0x10
        try Data(damaged).write(to: URL(fileURLWithPath: path))
        #expect(throws: JournalError.self) { try store.read(seq: 7) }
    }

    @Test func checkpointFileFormatIsChecked() throws {
        let directory = FileManager.default.temporaryDirectory.path + "/tandem-ckpt-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = CheckpointStore(directory: directory)
        let payload = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let id = UUID()
        let header = try store.write(
            seq: 42, epoch: 3, timeMicroseconds: 1_700_000_000_000_000, journalID: id,
            stateDigest: [UInt8](repeating: 9, count: 32), payload: payload)
        let (read, bytes) = try store.read(seq: 42)
        #expect(read == header)
        #expect(bytes == payload)
        #expect(try store.list().map(\.seq) == [42])
        #expect(CheckpointStore.fileName(seq: 42) == "000000000000002a.ckpt")
        // Truncation is caught by the length check, before anything is inflated.
        let path = directory + "/000000000000002a.ckpt"
        let full = try Data(contentsOf: URL(fileURLWithPath: path))
        try full.dropLast(1).write(to: URL(fileURLWithPath: path))
        #expect(throws: JournalError.self) { try store.read(seq: 42) }
        guard case .failure = try store.list()[0].header else {
            Issue.record("a truncated checkpoint lists as damaged")
            return
        }
    }
}
