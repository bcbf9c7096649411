import ConnectorKit
import Crypto
import Testing

@testable import TandemEngine

/// A state large enough that the digest and the checkpoint codec split their work across cores
/// (sorting in halves, encoding in batches and chunks): the results must be those of one core.
@Suite struct LargeStateTests {
    /// Checkpoints, their journal events and staging servers all compare digests, so the digest
    /// computed on every core must be the one computed on one core, for a large state and a small one.
    @Test(arguments: [70_000, 3])
    func theDigestIsTheOneCoreDigest(people: Int) {
        let state = Self.fixedState(people: people)
        #expect(state.stateDigest == Self.referenceDigest(of: state))
    }

    @Test func aLargeStateRoundTripsThroughACheckpoint() throws {
        let state = Self.fixedState(people: 70_000)
        let decoded = try EngineState(checkpointPayload: state.checkpointPayload())
        #expect(decoded.connectorSpaces == state.connectorSpaces)
        #expect(decoded.metaverse == state.metaverse)
        #expect(decoded.stateDigest == state.stateDigest)
    }

    /// `people` people in `hr`, joined to the metaverse, with a few pending exports, errors and
    /// anchor sets in `directory`; anchors are not inserted in their sorted order.
    static func fixedState(people: Int) -> EngineState {
        var state = EngineState()
        state.lastSeq = 42
        var hr = ConnectorSpace(connector: "hr")
        var directory = ConnectorSpace(connector: "directory")
        for n in 0..<people {
            let anchor = Anchor("E\(n * 7_919 % people)")
            let id = MetaverseID(UInt64(n + 1))
            let mail = AttributeValue.string("person.number.\(n)@example.com")
            hr.objects[anchor] = ConnectorSpaceObject(
                anchor: anchor, objectType: "person",
                attributes: [
                    "mail": [mail], "phones": [.string("+1 \(n % 97)"), .string("+1 \(n % 89)")],
                    "employeeNumber": [.integer(Int64(n))],
                ], metaverseID: id)
            var object = MetaverseObject(id: id, objectType: "person")
            let contributor = Contributor(rule: "hr-in", connector: "hr", anchor: anchor, precedence: 1)
            object.attributes["mail"] = MetaverseValue(values: [mail], contributor: contributor)
            object.attributes["title"] = MetaverseValue(values: [], contributor: contributor, isAuthoritativeNull: true)
            object.links = [ConnectorSpaceLink(connector: "hr", anchor: anchor)]
            object.projectedBy = ConnectorSpaceLink(connector: "hr", anchor: anchor)
            state.metaverse[id] = object
            if n % 10_000 == 0 {
                let account = Anchor("uid=p\(n),ou=people")
                directory.pendingExports[account] = PendingExport(
                    anchor: account, objectType: "account", operation: .update(["mail": [mail]]), metaverseID: id)
                directory.errors[account] = SyncErrorRecord(rule: nil, code: "E\(n)", message: "failed \(n)")
                directory.heldDeletes.insert(account)
                directory.changedSinceSync.insert(Anchor("uid=q\(n),ou=people"))
            }
        }
        state.connectorSpaces = ["hr": hr, "directory": directory]
        state.nextMetaverseID = UInt64(people + 1)
        return state
    }

    /// The digest as one core computed it before it ran on every core (commit 967ce85), kept here
    /// as its definition: the engine's must give the same bytes, so the same digest.
    static func referenceDigest(of state: EngineState) -> String {
        var hasher = SHA256()
        var w = BinaryWriter(capacity: 1 << 16)
        func flushIfLarge() {
            if w.bytes.count >= 1 << 16 {
                hasher.update(data: w.bytes)
                w = BinaryWriter(capacity: 1 << 16)
            }
        }
        func canonical(_ attributes: Attributes) {
            w.count(attributes.count)
            for name in attributes.keys.sorted() {
                w.string(name)
                w.values(attributes[name]!.sorted())
            }
        }
        func operation(_ op: PendingExport.Operation) {
            switch op {
            case .add(let dn, let attributes):
                w.byte(0)
                w.optionalString(dn)
                canonical(attributes.dictionary)
            case .update(let attributes):
                w.byte(1)
                canonical(attributes.dictionary)
            case .rename(let dn):
                w.byte(2)
                w.string(dn)
            case .delete:
                w.byte(3)
            }
        }

        w.string("tandem-state-v1")
        w.count(state.connectorSpaces.count)
        for name in state.connectorSpaces.keys.sorted() {
            let space = state.connectorSpaces[name]!
            w.string(name)
            w.optionalString(space.watermark?.value)
            w.count(space.objects.count)
            for anchor in space.objects.keys.sorted() {
                let object = space.objects[anchor]!
                w.string(anchor.rawValue)
                w.string(object.objectType.rawValue)
                w.optionalString(object.distinguishedName)
                canonical(object.attributes.dictionary)
                w.varint(object.metaverseID?.rawValue ?? 0)
                w.bool(object.isPendingAdd)
                flushIfLarge()
            }
            w.count(space.pendingExports.count)
            for anchor in space.pendingExports.keys.sorted() {
                let export = space.pendingExports[anchor]!
                w.string(anchor.rawValue)
                w.string(export.objectType.rawValue)
                operation(export.operation)
                w.varint(export.metaverseID?.rawValue ?? 0)
                flushIfLarge()
            }
            w.count(space.unconfirmedExports.count)
            for anchor in space.unconfirmedExports.keys.sorted() {
                w.string(anchor.rawValue)
                operation(space.unconfirmedExports[anchor]!)
                flushIfLarge()
            }
            w.count(space.errors.count)
            for anchor in space.errors.keys.sorted() {
                let error = space.errors[anchor]!
                w.string(anchor.rawValue)
                w.optionalString(error.rule)
                w.string(error.code)
                w.string(error.message)
                flushIfLarge()
            }
            w.count(space.heldDeletes.count)
            for anchor in space.heldDeletes.sorted() { w.string(anchor.rawValue) }
            w.count(space.approvedDeletes.count)
            for anchor in space.approvedDeletes.sorted() { w.string(anchor.rawValue) }
            w.count(space.changedSinceSync.count)
            for anchor in space.changedSinceSync.sorted() { w.string(anchor.rawValue) }
            // Only when present, so that digests of states without export attempts in doubt are unchanged.
            if !space.inDoubtExports.isEmpty {
                w.count(space.inDoubtExports.count)
                for anchor in space.inDoubtExports.keys.sorted() {
                    w.string(anchor.rawValue)
                    w.varint(space.inDoubtExports[anchor]!)
                }
            }
        }
        w.varint(state.nextMetaverseID)
        w.count(state.metaverse.count)
        for id in state.metaverse.keys.sorted() {
            let object = state.metaverse[id]!
            w.varint(id.rawValue)
            w.string(object.objectType.rawValue)
            w.count(object.attributes.count)
            for name in object.attributes.keys.sorted() {
                let value = object.attributes[name]!
                w.string(name)
                w.values(value.values.sorted())
                w.bool(value.isAuthoritativeNull)
                w.string(value.contributor.rule)
                w.string(value.contributor.connector)
                w.string(value.contributor.anchor.rawValue)
                w.int(Int64(value.contributor.precedence))
            }
            w.count(object.links.count)
            for link in object.links.sorted() {
                w.string(link.connector)
                w.string(link.anchor.rawValue)
            }
            w.optionalString(object.projectedBy.map { "\($0.connector)\u{0}\($0.anchor.rawValue)" })
            flushIfLarge()
        }
        hasher.update(data: w.bytes)
        return hasher.finalize().map {
            String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16)
        }
        .joined()
    }
}
