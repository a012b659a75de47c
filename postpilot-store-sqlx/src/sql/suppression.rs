//! Unsubscribed and bouncing recipients (`SuppressionRepository`): the
//! statements both backends run.

/// Recipient `$2`, if owned by `$3` (NULL: anyone's; the public
/// unsubscribe link's handle is the system's), unsubscribed at `$1`, unless
/// it was before.
pub(crate) const UNSUBSCRIBE: &str = "UPDATE recipient \
     SET unsubscribed_at = coalesce(unsubscribed_at, $1) WHERE id = $2 AND ($3 IS NULL OR owner_id = $3)";

/// Deletes the still-pending deliveries of recipient `$1`; returns the run
/// of each.
pub(crate) const DROP_PENDING: &str =
    "DELETE FROM delivery WHERE recipient_id = $1 AND state = 'pending' RETURNING run_id";

/// One delivery of run `$1` moved from its total to its unsubscribed.
pub(crate) const MOVE_TO_SKIPPED: &str = "UPDATE send_run SET total = total - 1, \
     skipped_unsubscribed = skipped_unsubscribed + 1 WHERE id = $1";

/// Recipient `$3`, if owned by `$4` (NULL: anyone's), bouncing since `$1`
/// with the reply `$2`.
pub(crate) const MARK_BOUNCED: &str =
    "UPDATE recipient SET bounced_at = $1, bounce_reply = $2 WHERE id = $3 AND ($4 IS NULL OR owner_id = $4)";

/// Recipient `$1`, if owned by `$2` (NULL: anyone's), neither unsubscribed
/// nor bouncing.
pub(crate) const RESUBSCRIBE: &str =
    "UPDATE recipient SET unsubscribed_at = NULL, bounced_at = NULL, bounce_reply = NULL \
     WHERE id = $1 AND ($2 IS NULL OR owner_id = $2)";

/// Recipient `$1` with its marks, if owned by `$2` (NULL: anyone's).
pub(crate) const SUPPRESSION: &str =
    "SELECT id, email, full_name, comment, unsubscribed_at, bounced_at, bounce_reply \
     FROM recipient WHERE id = $1 AND ($2 IS NULL OR owner_id = $2)";

/// A page of the recipients of owner `$3` (NULL: anyone's) unsubscribed or
/// bouncing, by id: `$1` its size, `$2` its start.
pub(crate) const SUPPRESSED: &str =
    "SELECT id, email, full_name, comment, unsubscribed_at, bounced_at, bounce_reply \
     FROM recipient WHERE (unsubscribed_at IS NOT NULL OR bounced_at IS NOT NULL) \
     AND ($3 IS NULL OR owner_id = $3) ORDER BY id LIMIT $1 OFFSET $2";
