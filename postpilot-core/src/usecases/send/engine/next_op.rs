//! Which store operation the engine starts next (one at a time; see
//! ARCHITECTURE.md, "Delivery engine").

/// A store operation to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NextOp {
    /// The results back; with the next claim beside it when the queue
    /// wants one, so that on a store taking several writers at once
    /// (PostgreSQL) the two overlap instead of waiting for each other.
    Record {
        with_claim: bool,
    },
    Renew,
    Claim,
}

/// A record when one is due, else a lease renewal when due, else the
/// next claim when the queue wants one. A claim goes beside a record only
/// when no renewal is due: a claim also takes leases that have run out,
/// and ours, unrenewed, could be among them, to be sent twice.
pub(super) fn next_op(record_due: bool, renew_due: bool, claim_wanted: bool) -> Option<NextOp> {
    if record_due {
        Some(NextOp::Record {
            with_claim: claim_wanted && !renew_due,
        })
    } else if renew_due {
        Some(NextOp::Renew)
    } else if claim_wanted {
        Some(NextOp::Claim)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_due_record_takes_the_wanted_claim_with_it_rather_than_leaving_it_for_later() {
        assert_eq!(
            next_op(true, false, true),
            Some(NextOp::Record { with_claim: true })
        );
        assert_eq!(
            next_op(true, false, false),
            Some(NextOp::Record { with_claim: false })
        );
    }

    #[test]
    fn no_claim_goes_before_a_due_renewal_of_our_own_leases() {
        assert_eq!(
            next_op(true, true, true),
            Some(NextOp::Record { with_claim: false }),
            "the renewal comes next, then the claim"
        );
        assert_eq!(next_op(false, true, true), Some(NextOp::Renew));
    }

    #[test]
    fn without_a_record_or_renewal_due_the_wanted_claim_goes_alone() {
        assert_eq!(next_op(false, false, true), Some(NextOp::Claim));
        assert_eq!(next_op(false, false, false), None);
    }
}
