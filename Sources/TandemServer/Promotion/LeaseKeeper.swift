import Logging
import ServiceLifecycle
import Synchronization
import TandemEngine

/// Keeps this server's lease on its epoch alive and knows, at any moment, whether the server
/// may export; the sync engine asks it before each export batch (``ExportPermit``).
///
/// The lease is judged conservatively by the local monotonic clock: a renewal sent at local
/// time T makes the authority set expiry ≥ T + lease by its own clock, so the local deadline
/// T + lease is never later than the authority's. A batch starts only while at least
/// ``batchAllowance`` of it is left, so a batch that starts may finish before any other server
/// can take the next epoch. A server that is frozen, cut off or superseded therefore stops
/// exporting within one lease period, before anyone else can start.
public final class LeaseKeeper: ExportPermit, Service, Sendable {
    public let authority: any EpochAuthority
    public let holder: String
    /// The epoch whose lease this keeper holds.
    public let epoch: UInt64
    public let leaseDuration: Duration
    /// How often the lease is renewed: a third of it by default, so two renewals can fail before it lapses.
    public let renewInterval: Duration
    /// How much of the lease must be left for an export batch to start: the longest a batch may take.
    public let batchAllowance: Duration

    private let clock = ContinuousClock()
    private let state: Mutex<State>
    private let logger: Logger
    private let onLoss: @Sendable (LeaseStatus) -> Void

    private struct State {
        var validUntil: ContinuousClock.Instant
        var lost: LeaseStatus?
        var lastRenewalError: String?
    }

    /// Starts keeping a lease just granted by a request sent at `requestedAt`.
    ///
    /// - Parameter onLoss: called once, when the lease is lost for good (superseded, lapsed or released).
    public init(
        authority: any EpochAuthority, holder: String, epoch: UInt64, leaseDuration: Duration,
        requestedAt: ContinuousClock.Instant, renewInterval: Duration? = nil, batchAllowance: Duration? = nil,
        logger: Logger = Logger(label: "tandem.lease"), onLoss: @escaping @Sendable (LeaseStatus) -> Void = { _ in }
    ) {
        precondition(leaseDuration > .zero, "a lease lasts some time")
        self.authority = authority
        self.holder = holder
        self.epoch = epoch
        self.leaseDuration = leaseDuration
        self.renewInterval = renewInterval ?? leaseDuration / 3
        self.batchAllowance = batchAllowance ?? leaseDuration / 4
        self.logger = logger
        self.onLoss = onLoss
        self.state = Mutex(State(validUntil: requestedAt + leaseDuration))
    }

    /// Where the lease stands now, by the local clock.
    public var status: LeaseStatus {
        state.withLock { state in
            if let lost = state.lost { return lost }
            let remaining = state.validUntil - clock.now
            return remaining > .zero ? .held(epoch: epoch, remaining: remaining) : .lapsed(epoch: epoch)
        }
    }

    /// Whether an export batch may start now.
    public var mayExport: Bool { permission(epoch: epoch) == .granted }

    public func checkExport(epoch: UInt64, connector: String) async -> ExportPermission {
        permission(epoch: epoch)
    }

    private func permission(epoch journalEpoch: UInt64) -> ExportPermission {
        let (status, lastError) = state.withLock { state -> (LeaseStatus, String?) in
            if let lost = state.lost { return (lost, state.lastRenewalError) }
            let remaining = state.validUntil - clock.now
            return (
                remaining > .zero ? .held(epoch: epoch, remaining: remaining) : .lapsed(epoch: epoch),
                state.lastRenewalError
            )
        }
        guard journalEpoch == epoch else {
            return .denied(
                reason: "this server's journal is in epoch \(journalEpoch), but its lease is on epoch \(epoch)")
        }
        switch status {
        case .held(_, let remaining) where remaining >= batchAllowance:
            return .granted
        case .held(_, let remaining):
            return .denied(
                reason:
                    "the lease on epoch \(epoch) has only \(remaining.formattedSeconds) left, less than an export batch may take; it could not be renewed\(lastError.map { ": \($0)" } ?? "")"
            )
        case .lapsed:
            return .denied(
                reason:
                    "the lease on epoch \(epoch) lapsed\(lastError.map { ": \($0)" } ?? ""); another server may be active"
            )
        case .superseded(let lease):
            return .denied(
                reason:
                    "this server was superseded: the authority is at \(lease); run 'tandem rejoin' to follow the new active"
            )
        case .released:
            return .denied(reason: "this server released its lease on epoch \(epoch) (demoted)")
        }
    }

    /// Renews the lease once. Returns the status after the attempt.
    @discardableResult
    public func renewOnce() async -> LeaseStatus {
        if let lost = state.withLock({ $0.lost }) { return lost }
        let sent = clock.now
        do {
            switch try await authority.renew(epoch: epoch, holder: holder, leaseDuration: leaseDuration) {
            case .granted:
                state.withLock { state in
                    state.validUntil = max(state.validUntil, sent + leaseDuration)
                    state.lastRenewalError = nil
                }
            case .refused(let lease, let refusal):
                let loss: LeaseStatus = refusal == .leaseLapsed ? .lapsed(epoch: epoch) : .superseded(lease)
                lose(loss, detail: "\(refusal.rawValue): \(lease)")
            }
        } catch {
            state.withLock { $0.lastRenewalError = "\(error)" }
            logger.warning(
                "could not renew the lease; exports stop if it runs out",
                metadata: ["epoch": "\(epoch)", "error": "\(error)"])
        }
        return status
    }

    /// Gives the lease up (a planned switchover): exports stop at once and another server can
    /// take the next epoch without waiting for the lease to lapse.
    public func release() async throws {
        lose(.released(epoch: epoch), detail: "released")
        _ = try await authority.release(epoch: epoch, holder: holder)
    }

    /// Renews the lease every ``renewInterval`` until it is lost, the task is cancelled or the
    /// service group shuts down. Failures to reach the authority are retried sooner.
    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let status = await self.renewOnce()
                switch status {
                case .superseded, .released: return
                case .lapsed:
                    // Never revived: a lapsed lease must be acquired anew, under a new epoch.
                    self.lose(.lapsed(epoch: self.epoch), detail: "lapsed before a renewal got through")
                    return
                case .held:
                    let failing = self.state.withLock { $0.lastRenewalError != nil }
                    try await Task.sleep(for: failing ? self.renewInterval / 3 : self.renewInterval)
                }
            }
        }
    }

    private func lose(_ loss: LeaseStatus, detail: String) {
        let first = state.withLock { state -> Bool in
            guard state.lost == nil else { return false }
            state.lost = loss
            return true
        }
        guard first else { return }
        logger.warning(
            "lost the lease: this server no longer exports", metadata: ["epoch": "\(epoch)", "why": "\(detail)"])
        onLoss(loss)
    }
}

/// Where a server's lease stands.
public enum LeaseStatus: Sendable, Hashable, CustomStringConvertible {
    /// Held, with this much left by the local clock.
    case held(epoch: UInt64, remaining: Duration)
    /// Ran out before it was renewed: exports stopped; the server must acquire a new epoch.
    case lapsed(epoch: UInt64)
    /// A newer epoch was granted to another server: this one must rejoin as staging.
    case superseded(EpochLease)
    /// Given up by a planned switchover.
    case released(epoch: UInt64)

    public var description: String {
        switch self {
        case .held(let epoch, let remaining): "holding epoch \(epoch) (\(remaining.formattedSeconds) left)"
        case .lapsed(let epoch): "lease on epoch \(epoch) lapsed"
        case .superseded(let lease): "superseded (\(lease))"
        case .released(let epoch): "released epoch \(epoch)"
        }
    }
}
