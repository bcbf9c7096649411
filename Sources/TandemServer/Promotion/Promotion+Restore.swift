import TandemEngine

extension Promotion {
    /// Claims the epoch a point-in-time restore goes live under from the epoch authority, by
    /// compare-and-swap, for a server whose journal is in epoch `journalEpoch` and ends at
    /// `lastSeq`: the restore starts a new term, and a term's epoch never comes from the server.
    ///
    /// The claim succeeds only if the authority's epoch is still the journal's and nobody else
    /// holds its lease (this server's own lease, still running after it stopped, is no obstacle).
    /// The lease granted with it lapses unless `tandem serve` renews it when the server starts.
    ///
    /// - Returns: the granted epoch, or `journalEpoch + 1` without an authority (a single server
    ///   or a manually run pair).
    /// - Throws: ``PromotionError`` `.refused` if another server holds the lease or the authority
    ///   moved on, `.behind` if this journal missed a term, `.authorityUnavailable` if it cannot
    ///   be reached; nothing is written to the journal then.
    public func claimRestoreEpoch(journalEpoch: UInt64, lastSeq: UInt64) async throws -> UInt64 {
        guard let authority else { return journalEpoch + 1 }
        let current = try await authority.current()
        if current.epoch > journalEpoch {
            throw PromotionError(
                .behind,
                "the epoch authority is at epoch \(current.epoch), but this server's journal has only reached epoch \(journalEpoch): another server went live after it; restore on the active server instead"
            )
        }
        if current.epoch < journalEpoch && !(current.epoch == 0 && journalEpoch == 1) {
            throw PromotionError(
                .invalidConfiguration,
                "the epoch authority is at epoch \(current.epoch), behind this server's journal (epoch \(journalEpoch)): its record was reset or belongs to another deployment"
            )
        }
        var after = current.epoch
        while true {
            switch try await authority.acquire(
                after: after, holder: holder, switchSeq: lastSeq, leaseDuration: leaseDuration)
            {
            case .granted(let lease) where lease.epoch <= journalEpoch:
                // A new record first catches up with this journal's own term, then grants the next.
                after = lease.epoch
            case .granted(let lease):
                logger.notice(
                    "claimed a new epoch for a restore", metadata: ["epoch": "\(lease.epoch)", "holder": "\(holder)"])
                return lease.epoch
            case .refused(let lease, .leaseHeld):
                throw PromotionError(
                    .refused,
                    "'\(lease.holder)' holds the lease on epoch \(lease.epoch) (\(lease.leaseRemaining.formattedSeconds) left): it is active; stop it, or restore on it, before restoring here"
                )
            case .refused(let lease, let refusal):
                throw PromotionError(
                    .refused, "the epoch authority refused epoch \(after + 1) (\(refusal.rawValue)): now \(lease)")
            }
        }
    }
}
