/// The one place every server of a deployment asks who may export: an epoch counter advanced
/// only by compare-and-swap, with a lease its holder renews.
///
/// Epochs never come from a server itself: two servers that each picked "my epoch + 1" could
/// both export. An authority grants each epoch once; a server exports only while it holds the
/// current epoch's lease, whose expiry the authority measures by its own clock.
///
/// Implementation requirements: `acquire`, `renew` and `release` are each one atomic
/// compare-and-swap on the deployment's record, linearizable across every server (a row
/// updated under a condition in PostgreSQL; a transaction in etcd or ZooKeeper). Lease
/// expiry is judged by the authority's clock only. Refusals are answers (``EpochClaim``),
/// not errors; throw only when the authority cannot be reached or fails.
public protocol EpochAuthority: Sendable {
    /// The deployment's current epoch, holder and lease.
    func current() async throws -> EpochLease

    /// Takes epoch `after + 1`, if the current epoch is still `after` and its lease has lapsed
    /// (or is `holder`'s own). `switchSeq` is the last journal seq of the term that ends.
    func acquire(after epoch: UInt64, holder: String, switchSeq: UInt64, leaseDuration: Duration) async throws
        -> EpochClaim

    /// Extends `holder`'s lease on `epoch` by `leaseDuration` from now, if it still holds the
    /// current epoch and its lease has not lapsed; a lapsed lease is never revived.
    func renew(epoch: UInt64, holder: String, leaseDuration: Duration) async throws -> EpochClaim

    /// Ends `holder`'s lease on `epoch` now (a planned switchover), so that another server can
    /// acquire the next epoch at once instead of waiting for the lease to lapse.
    func release(epoch: UInt64, holder: String) async throws -> EpochClaim
}

/// A deployment's epoch record, as the authority sees it.
public struct EpochLease: Sendable, Hashable, CustomStringConvertible {
    /// The current epoch; 0 before any server took the first.
    public var epoch: UInt64
    /// The server holding (or last holding) the epoch; empty before the first.
    public var holder: String
    /// The last seq of the previous term: where this epoch's journal begins (less one).
    public var switchSeq: UInt64
    /// How much of the lease is left by the authority's clock; zero or less when it has lapsed.
    public var leaseRemaining: Duration

    public init(epoch: UInt64, holder: String, switchSeq: UInt64, leaseRemaining: Duration) {
        self.epoch = epoch
        self.holder = holder
        self.switchSeq = switchSeq
        self.leaseRemaining = leaseRemaining
    }

    public var isLapsed: Bool { leaseRemaining <= .zero }

    public var description: String {
        let lease = isLapsed ? "lease lapsed" : "lease \(leaseRemaining.formattedSeconds) left"
        return "epoch \(epoch) held by '\(holder.isEmpty ? "nobody" : holder)', \(lease)"
    }
}

/// The answer to a request for an epoch or its lease.
public enum EpochClaim: Sendable, Hashable {
    /// The request succeeded; the record as it now stands.
    case granted(EpochLease)
    /// The request was refused; the record as it stands and why.
    case refused(EpochLease, Refusal)

    /// Why an authority refused.
    public enum Refusal: String, Sendable, Hashable {
        /// The current epoch is no longer the one the request named: another server moved on.
        case epochMoved = "epoch-moved"
        /// Another holder's lease on the current epoch has not lapsed.
        case leaseHeld = "lease-held"
        /// The requester's own lease lapsed; it must acquire a new epoch.
        case leaseLapsed = "lease-lapsed"
        /// The current epoch is held by someone else.
        case notHolder = "not-holder"
    }

    /// The record the authority answered with.
    public var lease: EpochLease {
        switch self {
        case .granted(let lease), .refused(let lease, _): lease
        }
    }
}

extension Duration {
    /// Seconds with millisecond precision, for messages: `2.500 s`.
    var formattedSeconds: String {
        let milliseconds = components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
        let sign = milliseconds < 0 ? "-" : ""
        let magnitude = abs(milliseconds)
        let fraction = String(magnitude % 1000)
        return "\(sign)\(magnitude / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction) s"
    }
}
