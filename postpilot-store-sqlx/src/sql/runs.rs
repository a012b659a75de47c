//! Runs (`RunRepository`): the statements both backends run.

/// The run `$1`, if its mailing is owned by `$2` (NULL: anyone's).
pub(crate) const GET_RUN: &str = "SELECT id, mailing_id, \"trigger\", started_at, finished_at, \
     total, sent, failed, subject, skipped_unsubscribed, skipped_bounced, launched_by, \
     launched_via_token, launched_via_token_name \
     FROM send_run WHERE id = $1 \
     AND ($2 IS NULL OR mailing_id IN (SELECT id FROM mailing WHERE owner_id = $2))";

/// The unfinished run of mailing `$1`, if any.
pub(crate) const UNFINISHED_RUN: &str = "SELECT id, mailing_id, \"trigger\", started_at, \
     finished_at, total, sent, failed, subject, skipped_unsubscribed, skipped_bounced, launched_by, \
     launched_via_token, launched_via_token_name \
     FROM send_run WHERE mailing_id = $1 AND finished_at IS NULL ORDER BY id LIMIT 1";

/// The runs of mailing `$1`, if owned by `$2` (NULL: anyone's), newest
/// first.
pub(crate) const LIST_RUNS: &str = "SELECT id, mailing_id, \"trigger\", started_at, finished_at, \
     total, sent, failed, subject, skipped_unsubscribed, skipped_bounced, launched_by, \
     launched_via_token, launched_via_token_name \
     FROM send_run WHERE mailing_id = $1 \
     AND ($2 IS NULL OR mailing_id IN (SELECT id FROM mailing WHERE owner_id = $2)) \
     ORDER BY id DESC";

/// Marks mailing `$2` launched at `$1` (now), unless it was before.
pub(crate) const MARK_LAUNCHED: &str =
    "UPDATE mailing SET launched_at = coalesce(launched_at, $1) WHERE id = $2";

/// A new run of mailing `$1` by trigger `$2`, started at `$3`, launched by
/// user `$4` (NULL: the system) through their API token `$5` (NULL: none),
/// whose id and name it keeps (none if the token is gone); returns its id.
/// The run keeps the message as it is now: what it sends, and what its
/// history says it sent, whatever edits come later.
pub(crate) const NEW_RUN: &str = "INSERT INTO send_run \
     (mailing_id, \"trigger\", started_at, subject, body_text, body_html, launched_by, \
      launched_via_token, launched_via_token_name) \
     SELECT m.id, $2, $3, msg.subject, msg.body_text, msg.body_html, $4, t.id, t.name \
     FROM mailing AS m JOIN message AS msg ON msg.id = m.message_id \
     LEFT JOIN api_token AS t ON t.id = $5 AND t.user_id = $4 \
     WHERE m.id = $1 \
     RETURNING id";

/// Starts run `$1`'s queue: one pending delivery, due at `$2`, per recipient
/// of mailing `$3` not unsubscribed nor bouncing, in recipient order. The
/// address is copied so the run is unaffected by later edits. `{only_unsent}`
/// is empty or [`ONLY_UNSENT`].
pub(crate) fn queue_deliveries(only_unsent: &str) -> String {
    format!(
        "INSERT INTO delivery \
         (run_id, recipient_id, email, full_name, comment, state, tries, not_before) \
         SELECT $1, r.id, r.email, r.full_name, r.comment, 'pending', 0, $2 \
         FROM mailing_recipient AS mr JOIN recipient AS r ON r.id = mr.recipient_id \
         WHERE mr.mailing_id = $3{only_unsent} \
           AND NOT (r.unsubscribed_at IS NOT NULL OR r.bounced_at IS NOT NULL) \
         ORDER BY mr.recipient_id"
    )
}

/// Of the recipients of mailing `$1`, how many are left out as unsubscribed
/// and how many as bouncing only (unsubscribing counts first).
pub(crate) fn count_suppressed(only_unsent: &str) -> String {
    format!(
        "SELECT coalesce(sum(CASE WHEN r.unsubscribed_at IS NOT NULL THEN 1 ELSE 0 END), 0), \
                coalesce(sum(CASE WHEN r.unsubscribed_at IS NULL AND r.bounced_at IS NOT NULL \
                    THEN 1 ELSE 0 END), 0) \
         FROM mailing_recipient AS mr JOIN recipient AS r ON r.id = mr.recipient_id \
         WHERE mr.mailing_id = $1{only_unsent}"
    )
}

/// `Audience::OnlyUnsent`: the mailing's recipient `mr` has no successful
/// attempt of the mailing, whose id is the statement's `mr.mailing_id`.
pub(crate) const ONLY_UNSENT: &str = " AND NOT EXISTS (SELECT 1 FROM send_attempt AS a \
     WHERE a.mailing_id = mr.mailing_id AND a.recipient_id = mr.recipient_id \
       AND a.status = 'success')";

/// Run `$4`'s totals: `$1` deliveries queued, `$2` recipients left out as
/// unsubscribed, `$3` as bouncing.
pub(crate) const SET_TOTALS: &str = "UPDATE send_run \
     SET total = $1, skipped_unsubscribed = $2, skipped_bounced = $3 WHERE id = $4";

/// Of the recipients of mailing `$1`, owned by `$2` (NULL: anyone's), how
/// many there are and how many have a successful attempt of it. No row for
/// an unknown mailing (NULL counts would not tell): its row is what says it
/// exists.
pub(crate) const REACH: &str = "SELECT \
     (SELECT count(*) FROM mailing_recipient AS mr WHERE mr.mailing_id = m.id), \
     (SELECT count(*) FROM mailing_recipient AS mr WHERE mr.mailing_id = m.id \
        AND EXISTS (SELECT 1 FROM send_attempt AS a WHERE a.mailing_id = m.id \
          AND a.recipient_id = mr.recipient_id AND a.status = 'success')) \
     FROM mailing AS m WHERE m.id = $1 AND ($2 IS NULL OR m.owner_id = $2)";

/// Marks run `$2` finished at `$1` (now) if none of its deliveries is
/// pending or leased.
pub(crate) const FINISH_IF_DONE: &str = "UPDATE send_run SET finished_at = $1 \
     WHERE id = $2 AND finished_at IS NULL \
     AND NOT EXISTS (SELECT 1 FROM delivery WHERE run_id = $2 AND state IN ('pending', 'leased'))";

/// Runs not finished yet, oldest first, at most `$1`: the engine's,
/// everyone's (as are the statements below).
pub(crate) const UNFINISHED_RUNS: &str =
    "SELECT id FROM send_run WHERE finished_at IS NULL ORDER BY id LIMIT $1";

/// The earliest time a not-yet-done delivery of run `$1` may be claimed:
/// its retry time, or the end of its lease; NULL when all are done, no row
/// for an unknown run.
pub(crate) const NEXT_DUE: &str = "SELECT (SELECT min(t) FROM ( \
     SELECT min(not_before) AS t FROM delivery WHERE run_id = $1 AND state = 'pending' \
     UNION ALL \
     SELECT min(lease_until) FROM delivery WHERE run_id = $1 AND state = 'leased') AS d) \
     FROM send_run WHERE id = $1";

/// What run `$1` sends: its copy of the message.
pub(crate) const RUN_MESSAGE: &str =
    "SELECT subject, body_text, body_html FROM send_run WHERE id = $1";

#[cfg(test)]
mod tests {
    use super::{GET_RUN, LIST_RUNS, UNFINISHED_RUN};
    use crate::rows::RUN_COLUMNS;

    #[test]
    fn every_statement_reading_a_run_names_its_columns() {
        for sql in [GET_RUN, LIST_RUNS, UNFINISHED_RUN] {
            assert!(
                sql.starts_with(&format!("SELECT {RUN_COLUMNS} FROM send_run")),
                "{sql}"
            );
        }
    }
}
