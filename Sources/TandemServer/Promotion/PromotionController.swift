import Foundation
import Logging
import TandemEngine
import TandemJournal

/// Decides *when* a node changes role and under which epoch: it claims the epoch (and its lease)
/// on every activation, before the scheduler can run a cycle; releases the lease on demotion;
/// and keeps the lease renewed while active. The node does the *how* (``TandemNode``).
public actor PromotionController {
    public let node: TandemNode
    public let promotion: Promotion
    private let logger: Logger
    /// How the next activation claims its epoch (set by a promote request; startup is planned).
    private var nextMode: Promotion.Mode = .planned
    private var confirmedOldActiveStopped = false
    private var keeper: LeaseKeeper?
    private var renewal: Task<Void, Never>?
    private var lastOutcome: Promotion.Outcome?
    /// Whether the activation under way is a promotion (rather than the server starting as active).
    private var promoting = false

    public init(node: TandemNode, promotion: Promotion, logger: Logger = Logger(label: "tandem.promotion")) {
        self.node = node
        self.promotion = promotion
        self.logger = logger
    }

    /// Installs the activation step on the node: call before the node starts.
    public func install() async {
        await node.setActivation { [weak self] engine in
            guard let self else { return }
            try await self.activate(engine)
        }
    }

    private func activate(_ engine: SyncEngine) async throws {
        // Without an authority, starting as active keeps the journal's epoch: only an operator's
        // promotion starts a new one.
        guard promoting || promotion.authority != nil else { return }
        let mode = nextMode
        nextMode = .planned
        let outcome = try await promotion.promote(
            engine, mode: mode, confirmedOldActiveStopped: confirmedOldActiveStopped,
            onLeaseLoss: { [logger] status in
                if case .released = status {
                    // A planned demotion: nothing is wrong, and nothing needs rejoining.
                    logger.notice("released the lease (demoted); exports stopped", metadata: ["status": "\(status)"])
                    return
                }
                logger.critical(
                    "this server lost its lease and no longer exports; if it was superseded, stop it and run 'tandem rejoin'",
                    metadata: ["status": "\(status)"])
            })
        confirmedOldActiveStopped = false
        lastOutcome = outcome
        renewal?.cancel()
        keeper = outcome.lease
        if let lease = outcome.lease {
            renewal = Task { try? await lease.run() }
        }
    }

    /// Staging → active under a new epoch (`POST /v1/promote`).
    public func promote(force: Bool, confirmedOldActiveStopped: Bool) async throws -> Promotion.Outcome {
        nextMode = force ? .forced : .planned
        self.confirmedOldActiveStopped = confirmedOldActiveStopped
        promoting = true
        lastOutcome = nil
        defer {
            nextMode = .planned
            self.confirmedOldActiveStopped = false
            promoting = false
        }
        try await node.becomeActive()
        guard let outcome = lastOutcome else {
            throw ServerError(.wrongRole, "the server became active without claiming an epoch")
        }
        return outcome
    }

    /// Active → staging (`POST /v1/demote`): exports stop at once (the lease is released, so the
    /// permit denies the next batch), the scheduler stops at a batch boundary, and the node follows
    /// `primaryURL` — typically the staging server about to be promoted, which it keeps following.
    /// Returns the journal's last seq, which the staging server must reach before it promotes.
    public func demote(primaryURL: String) async throws -> UInt64 {
        if let keeper {
            do {
                try await keeper.release()
            } catch {
                logger.warning(
                    "could not release the lease; the next server waits for it to lapse",
                    metadata: ["error": "\(error)"])
            }
        }
        renewal?.cancel()
        renewal = nil
        keeper = nil
        if promotion.authority == nil, let engine = await node.activeEngine {
            await engine.setExportPermit(DemotedPermit())
        }
        try await node.becomeStaging(primaryURL: primaryURL)
        return await node.journal?.lastSeq ?? 0
    }

    /// Where the lease stands (`nil` without an authority or while staging).
    public var leaseStatus: LeaseStatus? { keeper?.status }
}

/// Denies every export batch: a demoted server without an authority must not export while its
/// scheduler winds down.
struct DemotedPermit: ExportPermit {
    func checkExport(epoch: UInt64, connector: String) async -> ExportPermission {
        .denied(reason: "this server was demoted")
    }
}
