import Logging
import TandemEngine

/// Makes this server the active one: claims an epoch from the authority (or, without one, on
/// the operator's word), records the epoch change in the journal, and returns the lease that
/// fences its exports.
///
/// The same step serves a server starting as active (it resumes its own lease when it still
/// holds it) and a staging server being promoted (planned, after the active released its lease;
/// or forced, when the active is gone: then it waits for the old lease to lapse, never longer
/// than ``maximumWait``).
public struct Promotion: Sendable {
    /// How the old active was dealt with.
    public enum Mode: String, Sendable, Hashable {
        /// The old active demoted itself (released its lease, sealed its journal).
        case planned
        /// The old active is unreachable: wait out its lease (with an authority) or rely on the
        /// operator's confirmation that it is stopped or isolated (without one).
        case forced
    }

    /// The epoch authority; `nil` for a single server or a manually run pair.
    public var authority: (any EpochAuthority)?
    /// This server's name at the authority.
    public var holder: String
    public var leaseDuration: Duration
    /// The longest a forced promotion waits for the old active's lease to lapse.
    public var maximumWait: Duration
    public var logger: Logger

    public init(
        authority: (any EpochAuthority)?, holder: String, leaseDuration: Duration = .seconds(10),
        maximumWait: Duration? = nil, logger: Logger = Logger(label: "tandem.promotion")
    ) {
        self.authority = authority
        self.holder = holder
        self.leaseDuration = leaseDuration
        self.maximumWait = maximumWait ?? leaseDuration * 2
        self.logger = logger
    }

    /// What a promotion did.
    public struct Outcome: Sendable {
        /// The epoch the server now exports under.
        public var epoch: UInt64
        /// The epoch its journal was in before.
        public var previousEpoch: UInt64
        /// The last seq of the previous term (where the new epoch's journal begins, less one).
        public var switchSeq: UInt64
        /// The lease fencing exports; `nil` without an authority.
        public var lease: LeaseKeeper?
    }

    /// Claims the right to export for `engine` and, when the epoch changes, begins it in the journal.
    ///
    /// - Parameters:
    ///   - confirmedOldActiveStopped: without an authority, a forced promotion needs the
    ///     operator's confirmation that the old active is stopped or cut off from every
    ///     connected system; with an authority it is not needed (the lease fences the old one).
    ///   - onLeaseLoss: called when the lease is later lost (superseded, lapsed, released).
    public func promote(
        _ engine: SyncEngine, mode: Mode, confirmedOldActiveStopped: Bool = false,
        onLeaseLoss: @escaping @Sendable (LeaseStatus) -> Void = { _ in }
    ) async throws -> Outcome {
        let mine = await engine.state.epoch
        let switchSeq = await engine.journalLastSeq
        guard let authority else {
            guard mode == .planned || confirmedOldActiveStopped else {
                throw PromotionError(
                    .confirmationRequired,
                    "no epoch authority is configured, so nothing can stop the old active from exporting: confirm that it is stopped or cut off from every connected system (--i-have-stopped-the-old-active), or configure an authority"
                )
            }
            try await engine.beginEpoch(mine + 1)
            if mode == .forced { try await engine.assumeExportsInDoubt(attemptedUnder: mine) }
            await engine.setExportPermit(nil)
            logger.notice("promoted without an epoch authority", metadata: ["epoch": "\(mine + 1)"])
            return Outcome(epoch: mine + 1, previousEpoch: mine, switchSeq: switchSeq, lease: nil)
        }
        let clock = ContinuousClock()
        let deadline = clock.now + maximumWait
        while true {
            let current = try await authority.current()
            if current.epoch > mine && mode == .planned {
                throw PromotionError(
                    .behind,
                    "the authority is at epoch \(current.epoch), but this server's journal has only reached epoch \(mine): it missed a whole term; let it catch up, or promote --force to accept losing that term's events"
                )
            }
            if current.epoch < mine && !(current.epoch == 0 && mine == 1) {
                throw PromotionError(
                    .invalidConfiguration,
                    "the authority is at epoch \(current.epoch), behind this server's journal (epoch \(mine)): its record was reset or belongs to another deployment"
                )
            }
            let sent = clock.now
            let claim: EpochClaim
            if current.epoch == mine && current.holder == holder && !current.isLapsed {
                // Still this server's own term (a restart): keep it rather than start a new one.
                claim = try await authority.renew(epoch: mine, holder: holder, leaseDuration: leaseDuration)
            } else {
                claim = try await authority.acquire(
                    after: current.epoch, holder: holder, switchSeq: switchSeq, leaseDuration: leaseDuration)
            }
            switch claim {
            case .granted(let lease):
                if lease.epoch > mine { try await engine.beginEpoch(lease.epoch) }
                // What the old active attempted last may not have reached this journal: confirm, don't repeat.
                if mode == .forced { try await engine.assumeExportsInDoubt(attemptedUnder: current.epoch) }
                let keeper = LeaseKeeper(
                    authority: authority, holder: holder, epoch: lease.epoch, leaseDuration: leaseDuration,
                    requestedAt: sent, logger: logger, onLoss: onLeaseLoss)
                await engine.setExportPermit(keeper)
                logger.notice(
                    "active under an epoch lease",
                    metadata: ["epoch": "\(lease.epoch)", "previous": "\(mine)", "mode": "\(mode.rawValue)"])
                return Outcome(
                    epoch: lease.epoch, previousEpoch: mine,
                    switchSeq: lease.epoch > mine ? switchSeq : lease.switchSeq,
                    lease: keeper)
            case .refused(let lease, .leaseHeld) where mode == .forced && clock.now < deadline:
                let wait = min(lease.leaseRemaining + .milliseconds(20), deadline - clock.now)
                logger.notice(
                    "waiting for the old active's lease to lapse",
                    metadata: ["holder": "\(lease.holder)", "left": "\(lease.leaseRemaining.formattedSeconds)"])
                try await Task.sleep(for: max(wait, .milliseconds(20)))
            case .refused(let lease, .leaseHeld):
                throw PromotionError(
                    .refused,
                    mode == .planned
                        ? "'\(lease.holder)' still holds the lease on epoch \(lease.epoch) (\(lease.leaseRemaining.formattedSeconds) left): demote it first ('tandem demote'), or use 'promote --force' to wait for its lease to lapse"
                        : "'\(lease.holder)' kept renewing its lease on epoch \(lease.epoch) for \(maximumWait.formattedSeconds): it is alive; demote it instead"
                )
            case .refused(let lease, let refusal):
                throw PromotionError(
                    .refused, "the authority refused epoch \(current.epoch + 1) (\(refusal.rawValue)): now \(lease)")
            }
        }
    }
}
