import Logging
import TandemJournal

import struct Foundation.UUID

/// Engine states saved to and loaded from a ``CheckpointStore``: the engine's side of
/// checkpoints (what the payload means), the store's side being bytes, checksums and files.
public struct EngineCheckpoints: Sendable {
    public let store: CheckpointStore
    public var logger: Logger

    public init(store: CheckpointStore, logger: Logger = Logger(label: "tandem.checkpoints")) {
        self.store = store
        self.logger = logger
    }

    public init(directory: String, logger: Logger = Logger(label: "tandem.checkpoints")) {
        self.init(store: CheckpointStore(directory: directory), logger: logger)
    }

    /// Writes `state` as the checkpoint at `state.lastSeq` and returns the event that records it.
    @discardableResult
    public func save(_ state: EngineState, journalID: UUID, timeMicroseconds: Int64) throws -> CheckpointTaken {
        precondition(state.lastSeq >= 1, "there is no state to checkpoint before seq 1")
        let digest = state.stateDigest
        try store.write(
            seq: state.lastSeq, epoch: state.epoch, timeMicroseconds: timeMicroseconds, journalID: journalID,
            stateDigest: Self.bytes(hex: digest), payload: state.checkpointPayload())
        return CheckpointTaken(seq: state.lastSeq, stateDigest: digest)
    }

    /// A checkpoint that can start a replay, as found on disk.
    public struct Usable: Sendable {
        public var header: CheckpointHeader
        public var state: EngineState
    }

    /// The newest checkpoint at or before `seq` (and at or after `oldestSeq`) that reads, checks
    /// and decodes; damaged ones are skipped with a warning, falling back to older ones.
    public func newestUsable(atOrBefore seq: UInt64, notBefore oldestSeq: UInt64 = 0, journalID: UUID?) -> Usable? {
        let entries: [CheckpointStore.Entry]
        do {
            entries = try store.list()
        } catch {
            logger.warning(
                "cannot list checkpoints; replaying without them", metadata: ["error": "\(error)"])
            return nil
        }
        for entry in entries.reversed() where entry.seq <= seq && entry.seq >= oldestSeq {
            do {
                let (header, payload) = try store.read(seq: entry.seq)
                if let journalID, header.journalID != journalID {
                    throw EngineError(
                        .inconsistentJournal, "it belongs to journal \(header.journalID), not \(journalID)")
                }
                let state = try EngineState(checkpointPayload: payload)
                guard state.lastSeq == entry.seq else {
                    throw EngineError(.inconsistentJournal, "its state ends at seq \(state.lastSeq)")
                }
                return Usable(header: header, state: state)
            } catch {
                logger.warning(
                    "skipping a damaged checkpoint; falling back to an older one",
                    metadata: ["checkpoint": "\(entry.fileName)", "problem": "\(error)"])
            }
        }
        return nil
    }

    /// The checkpoints whose headers are sound, oldest first (payloads are not read).
    public func soundHeaders() -> [CheckpointHeader] {
        ((try? store.list()) ?? []).compactMap { try? $0.header.get() }
    }

    static func bytes(hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
