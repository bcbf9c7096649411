import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Synchronization
import TandemEngine
import TandemJournal

/// Starts an empty staging server from its primary's checkpoint instead of from seq 1: fetches
/// the manifest, downloads the file as stored (checking its length and checksum), installs it as
/// this server's own checkpoint, decodes it and checks its state digest, then creates the journal
/// based at the checkpoint's seq N (``Journal/create(directory:basedOn:options:)``), so shipping
/// continues from N + 1 exactly as for any other staging server.
///
/// It runs only while the journal is empty (nothing on disk): a server that holds any part of
/// the journal resumes from it and is never bootstrapped over. Anything that fails a check is
/// thrown away and the follower tries again after its back-off; a checkpoint of another journal
/// is refused.
final class StagingBootstrap: Sendable {
    let policy: StagingBootstrapPolicy
    let journalDirectory: String
    let checkpointDirectory: String
    let logger: Logger
    /// Test hook: flip one bit of the byte at this offset of the first download.
    private let flipByteAt: Mutex<Int?>

    init(
        policy: StagingBootstrapPolicy, journalDirectory: String, checkpointDirectory: String, logger: Logger,
        flipByteAt: Int? = nil
    ) {
        self.policy = policy
        self.journalDirectory = journalDirectory
        self.checkpointDirectory = checkpointDirectory
        self.logger = logger
        self.flipByteAt = Mutex(flipByteAt)
    }

    /// What a bootstrap produced: the based journal, open, and the state at its base.
    struct Outcome {
        var journal: Journal
        var state: EngineState
        var manifest: CheckpointManifest
    }

    /// Bootstraps if the policy and the primary call for it; `nil` to ship from seq 1 instead.
    func run(
        primary: PrimaryClient, primaryID: UUID, head: JournalHead, journalOptions: JournalOptions
    ) async throws -> Outcome? {
        guard policy != .journal else { return nil }
        // Never over a journal that holds anything: that one resumes from its last durable seq.
        guard try JournalReader.isEmpty(directory: journalDirectory) else { return nil }
        guard let manifest = try await primary.checkpointManifest() else {
            logger.info("the primary offers no checkpoint; shipping its journal from seq 1")
            return nil
        }
        guard manifest.journalID.lowercased() == primaryID.uuidString.lowercased(), let base = manifest.base else {
            throw ServerError(
                .mismatchedJournal,
                "refusing the checkpoint the primary \(primary.baseURL) offers: it is of journal \(manifest.journalID), the primary's journal is \(primaryID); a staging server only follows its own deployment"
            )
        }
        guard policy.prefersCheckpoint(primaryFirstSeq: manifest.journalFirstSeq, primaryLastSeq: head.lastSeq) else {
            return nil
        }
        let started = ContinuousClock.now
        logger.notice(
            "bootstrapping from the primary's checkpoint",
            metadata: ["seq": "\(manifest.seq)", "bytes": "\(manifest.length)", "primary": "\(primary.baseURL)"])
        let state = try await download(manifest, from: primary)
        var options = journalOptions
        options.journalID = primaryID
        let journal = try Journal.create(directory: journalDirectory, basedOn: base, options: options)
        logger.notice(
            "bootstrapped from the primary's checkpoint; shipping from the next seq",
            metadata: [
                "seq": "\(manifest.seq)", "stateDigest": "\(manifest.stateDigest)",
                "duration": "\(ContinuousClock.now - started)",
            ])
        return Outcome(journal: journal, state: state, manifest: manifest)
    }

    /// Downloads the checkpoint into the checkpoint directory, installs it and decodes it; a file
    /// that fails any check is removed and the failure thrown.
    private func download(_ manifest: CheckpointManifest, from primary: PrimaryClient) async throws -> EngineState {
        let response = try await primary.checkpoint(seq: manifest.seq)
        let announced = response.headers
        guard announced.first(name: CheckpointManifest.Header.seq) == String(manifest.seq),
            announced.first(name: CheckpointManifest.Header.length) == String(manifest.length),
            announced.first(name: CheckpointManifest.Header.checksum) == String(manifest.checksum),
            announced.first(name: CheckpointManifest.Header.stateDigest) == manifest.stateDigest,
            announced.first(name: ShippingProtocol.journalIDHeader)?.lowercased() == manifest.journalID.lowercased()
        else {
            throw ServerError(
                .rejectedCheckpoint,
                "the primary \(primary.baseURL) sent a checkpoint that differs from the one it announced; fetching it again"
            )
        }
        let store = CheckpointStore(directory: checkpointDirectory)
        let receiver = try store.receive(seq: manifest.seq)
        do {
            for try await buffer in response.body {
                let offset = Int(receiver.length)
                let flip = flipByteAt.withLock { at -> Int? in
                    guard let position = at, position >= offset, position < offset + buffer.readableBytes else {
                        return nil
                    }
                    at = nil
                    return position - offset
                }
                if let flip {
                    var bytes = Array(buffer.readableBytesView)
                    bytes[flip] ^= 0x01
                    try bytes.withUnsafeBytes { try receiver.append($0) }
                    logger.notice(
                        "test hook: flipped a bit of the checkpoint download", metadata: ["offset": "\(offset + flip)"])
                } else {
                    try buffer.withUnsafeReadableBytes { try receiver.append($0) }
                }
                guard receiver.length <= manifest.length else { break }
            }
            try receiver.install(length: manifest.length, checksum: manifest.checksum)
        } catch let error as JournalError where error.code == .corruption {
            receiver.abandon()
            throw ServerError(
                .rejectedCheckpoint, "checkpoint at seq \(manifest.seq) rejected: \(error.message); fetching it again")
        } catch {
            receiver.abandon()
            throw error
        }
        do {
            let (header, payload) = try store.read(seq: manifest.seq)
            let state = try EngineState(checkpointPayload: payload)
            let digest = state.stateDigest
            guard header.journalID.uuidString.lowercased() == manifest.journalID.lowercased() else {
                try? store.remove(seq: manifest.seq)
                throw ServerError(
                    .mismatchedJournal,
                    "refusing the checkpoint at seq \(manifest.seq): it belongs to journal \(header.journalID), not \(manifest.journalID)"
                )
            }
            guard state.lastSeq == manifest.seq, digest == manifest.stateDigest else {
                throw ServerError(
                    .rejectedCheckpoint,
                    "checkpoint at seq \(manifest.seq) rejected: its state (through seq \(state.lastSeq)) has digest \(digest), the primary announced \(manifest.stateDigest); fetching it again"
                )
            }
            return state
        } catch let error as ServerError where error.code == .mismatchedJournal {
            throw error
        } catch let error as ServerError {
            try? store.remove(seq: manifest.seq)
            throw error
        } catch {
            try? store.remove(seq: manifest.seq)
            throw ServerError(
                .rejectedCheckpoint, "checkpoint at seq \(manifest.seq) rejected: \(error); fetching it again")
        }
    }
}

extension JournalReader {
    /// Whether `directory` holds no journal yet (no segment, no recorded start) or does not exist.
    static func isEmpty(directory: String) throws -> Bool {
        guard FileManager.default.fileExists(atPath: directory) else { return true }
        return try JournalReader(directory: directory).journalID == nil
    }
}
