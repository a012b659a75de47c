//! The delivery queue (`QueueRepository`): the statements both backends
//! run. Claims and records differ (see each backend's `queue.rs`).

/// Adds `$1` failures to run `$2`'s counters; returns the run.
pub(crate) const FAIL_COUNTED: &str =
    "UPDATE send_run SET failed = failed + $1, attempts_failure = attempts_failure + $1 \
     WHERE id = $2 \
     RETURNING id, mailing_id, \"trigger\", started_at, finished_at, \
     total, sent, failed, subject, skipped_unsubscribed, skipped_bounced, launched_by, \
     launched_via_token, launched_via_token_name";

/// Extends to `$1` the lease of run `$2`'s deliveries leased under token
/// `$3`.
pub(crate) const RENEW_LEASE: &str = "UPDATE delivery SET lease_until = $1 \
     WHERE run_id = $2 AND state = 'leased' AND lease_token = $3";

/// Hands back run `$1`'s deliveries leased under token `$2`: pending again
/// at once.
pub(crate) const RELEASE_LEASE: &str =
    "UPDATE delivery SET state = 'pending', lease_token = NULL, lease_until = NULL \
     WHERE run_id = $1 AND state = 'leased' AND lease_token = $2";
