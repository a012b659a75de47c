//! Attempts (`AttemptRepository`): the statements both backends run.

use postpilot_core::domain::{
    AttemptCursor, AttemptFilter, AttemptListing, Direction, MailingId, Page,
};
use sqlx::QueryBuilder;

use crate::dialect::{push_page, Dialect, PageQuery};
use crate::listing::{attempt_counter, order_by};

/// The last response of run `$1` starting with `$2` among its last `$3`
/// attempts.
pub(crate) const LAST_RESPONSE: &str =
    "SELECT response FROM (SELECT id, response FROM send_attempt \
     WHERE run_id = $1 ORDER BY id DESC LIMIT $3) AS recent \
     WHERE substr(response, 1, length($2)) = $2 \
     ORDER BY id DESC LIMIT 1";

/// A page of mailing `$1`'s attempts in the order they were made: `$2`
/// its size, `$3` its start.
pub(crate) const LIST_ATTEMPTS: &str =
    "SELECT id, mailing_id, run_id, recipient_id, email, attempt_at, status, response \
     FROM send_attempt WHERE mailing_id = $1 ORDER BY id LIMIT $2 OFFSET $3";

/// The columns of an `AttemptRow` of `send_attempt AS a`.
const ATTEMPT_COLUMNS: &str =
    "a.id, a.mailing_id, a.run_id, a.recipient_id, a.email, a.attempt_at, a.status, a.response";

/// `SELECT columns FROM …` of the mailing's attempts the filter takes.
/// Emails are ASCII (the domain admits no other), so `lower` folds them
/// exactly.
fn filtered<D: Dialect>(
    columns: &str,
    mailing: MailingId,
    filter: &AttemptFilter,
) -> QueryBuilder<'static, D> {
    let mut sql = QueryBuilder::new(format!(
        "SELECT {columns} FROM send_attempt AS a WHERE a.mailing_id = "
    ));
    D::push_int(&mut sql, mailing.get());
    if let Some(status) = filter.status {
        sql.push(" AND a.status = ");
        D::push_text(&mut sql, status.code().to_owned());
    }
    if let Some(email) = &filter.email {
        sql.push(" AND lower(a.email) LIKE ");
        D::push_text(&mut sql, email.like_pattern());
        sql.push(" ESCAPE '\\'");
    }
    sql
}

/// A page of the mailing's attempts the listing's filter takes, newest
/// first (or oldest first), and how many it takes: without an email to
/// look for, the total comes from the runs' counters.
pub(crate) fn find<D: Dialect>(mailing: MailingId, listing: &AttemptListing) -> PageQuery<D> {
    let count = if listing.filter.email.is_some() {
        filtered("count(*)", mailing, &listing.filter)
    } else {
        let mut sql = QueryBuilder::new(format!(
            "SELECT CAST(coalesce(sum({}), 0) AS BIGINT) FROM send_run WHERE mailing_id = ",
            attempt_counter(listing.filter.status)
        ));
        D::push_int(&mut sql, mailing.get());
        sql
    };
    let direction = if listing.oldest_first {
        Direction::Ascending
    } else {
        Direction::Descending
    };
    let mut page = filtered(ATTEMPT_COLUMNS, mailing, &listing.filter);
    page.push(order_by(None, "a.id", direction));
    push_page(&mut page, listing.page);
    PageQuery { count, page }
}

/// The next of the mailing's attempts the filter takes, newest first,
/// older than the cursor's.
pub(crate) fn before<D: Dialect>(
    mailing: MailingId,
    filter: &AttemptFilter,
    cursor: AttemptCursor,
) -> QueryBuilder<'static, D> {
    let mut sql = filtered(ATTEMPT_COLUMNS, mailing, filter);
    if let Some(before) = cursor.before {
        sql.push(" AND a.id < ");
        D::push_int(&mut sql, before.get());
    }
    sql.push(order_by(None, "a.id", Direction::Descending));
    push_page(&mut sql, Page::new(0, cursor.limit));
    sql
}
