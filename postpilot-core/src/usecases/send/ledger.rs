//! What the engine owes the store: the claims it works on and the results
//! not yet recorded (ARCHITECTURE.md, "Delivery engine").

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::domain::{DeliveryResult, LeaseToken};
use crate::usecases::policy::until;

/// A claim's number within one delivery of a run, in the order claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct ClaimNo(usize);

/// The claims being worked on and the results not yet recorded.
#[derive(Default)]
pub(super) struct Ledger {
    next: usize,
    /// Per claim: its lease token and how many of its deliveries have no result yet.
    claims: HashMap<ClaimNo, (LeaseToken, usize)>,
    unrecorded: Vec<(ClaimNo, DeliveryResult)>,
}

impl Ledger {
    /// Notes a claim of `size` deliveries under `token`.
    pub(super) fn open(&mut self, token: LeaseToken, size: usize) -> ClaimNo {
        let claim = ClaimNo(self.next);
        self.next += 1;
        self.claims.insert(claim, (token, size));
        claim
    }

    pub(super) fn add(&mut self, claim: ClaimNo, result: DeliveryResult) {
        self.unrecorded.push((claim, result));
    }

    /// How long the oldest unrecorded result (the first: they come in
    /// the order they are back) has waited, by its attempt time.
    pub(super) fn waited(&self, now: DateTime<Utc>) -> Duration {
        self.unrecorded
            .first()
            .map(|(_, r)| until(r.attempt_at, now))
            .unwrap_or_default()
    }

    /// How many results wait to be recorded.
    pub(super) fn unrecorded(&self) -> usize {
        self.unrecorded.len()
    }

    /// Whether any claim is still being worked on.
    pub(super) fn has_claims(&self) -> bool {
        !self.claims.is_empty()
    }

    /// The tokens of the claims still being worked on.
    pub(super) fn tokens(&self) -> impl Iterator<Item = &LeaseToken> {
        self.claims.values().map(|(token, _)| token)
    }

    /// The unrecorded results grouped by lease token; a claim whose every
    /// delivery has its result is forgotten, so memory stays flat.
    pub(super) fn take_results(&mut self) -> Vec<(LeaseToken, Vec<DeliveryResult>)> {
        let mut groups: HashMap<ClaimNo, Vec<DeliveryResult>> = HashMap::new();
        for (claim, result) in self.unrecorded.drain(..) {
            groups.entry(claim).or_default().push(result);
        }
        let mut out = Vec::with_capacity(groups.len());
        for (claim, results) in groups {
            let Some((token, outstanding)) = self.claims.get_mut(&claim) else {
                continue;
            };
            *outstanding = outstanding.saturating_sub(results.len());
            let token = if *outstanding == 0 {
                self.claims.remove(&claim).map(|(t, _)| t)
            } else {
                Some(token.clone())
            };
            if let Some(token) = token {
                out.push((token, results));
            }
        }
        out
    }
}
