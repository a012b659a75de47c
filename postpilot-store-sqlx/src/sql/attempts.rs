//! Attempts (`AttemptRepository`): the statements both backends run.

use postpilot_core::domain::{
    AttemptCursor, AttemptFilter, AttemptListing, Direction, MailingId, Page,
};
use sqlx::QueryBuilder;

use crate::dialect::{push_page, Dialect, PageQuery};
use crate::listing::{attempt_counter, order_by};

/// The last response of run `$1` starting with `$2` among its last `$3`
/// attempts, if its mailing is owned by `$4` (NULL: anyone's).
pub(crate) const LAST_RESPONSE: &str =
    "SELECT response FROM (SELECT id, response FROM send_attempt \
     WHERE run_id = $1 \
     AND ($4 IS NULL OR mailing_id IN (SELECT id FROM mailing WHERE owner_id = $4)) \
     ORDER BY id DESC LIMIT $3) AS recent \
     WHERE substr(response, 1, length($2)) = $2 \
     ORDER BY id DESC LIMIT 1";

/// A page of mailing `$1`'s attempts in the order they were made, if it
/// is owned by `$4` (NULL: anyone's): `$2` its size, `$3` its start.
pub(crate) const LIST_ATTEMPTS: &str =
    "SELECT id, mailing_id, run_id, recipient_id, email, attempt_at, status, response \
     FROM send_attempt WHERE mailing_id = $1 \
     AND ($4 IS NULL OR mailing_id IN (SELECT id FROM mailing WHERE owner_id = $4)) \
     ORDER BY id LIMIT $2 OFFSET $3";

/// The columns of an `AttemptRow` of `send_attempt AS a`.
const ATTEMPT_COLUMNS: &str =
    "a.id, a.mailing_id, a.run_id, a.recipient_id, a.email, a.attempt_at, a.status, a.response";

/// Appends that `column`, a mailing's id, is one of `owner`'s mailings
/// (nothing for `None`: anyone's).
fn push_mailing_owned<D: Dialect>(sql: &mut QueryBuilder<'_, D>, column: &str, owner: Option<i64>) {
    if let Some(owner) = owner {
        sql.push(format!(
            " AND {column} IN (SELECT id FROM mailing WHERE owner_id = "
        ));
        D::push_int(sql, owner);
        sql.push(")");
    }
}

/// `SELECT columns FROM …` of the mailing's attempts the filter takes, if
/// the mailing is `owner`'s (`None`: anyone's). Emails are ASCII (the
/// domain admits no other), so `lower` folds them exactly.
fn filtered<D: Dialect>(
    columns: &str,
    mailing: MailingId,
    owner: Option<i64>,
    filter: &AttemptFilter,
) -> QueryBuilder<'static, D> {
    let mut sql = QueryBuilder::new(format!(
        "SELECT {columns} FROM send_attempt AS a WHERE a.mailing_id = "
    ));
    D::push_int(&mut sql, mailing.get());
    push_mailing_owned(&mut sql, "a.mailing_id", owner);
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
/// first (or oldest first), and how many it takes, if the mailing is
/// `owner`'s (`None`: anyone's): without an email to look for, the total
/// comes from the runs' counters.
pub(crate) fn find<D: Dialect>(
    mailing: MailingId,
    owner: Option<i64>,
    listing: &AttemptListing,
) -> PageQuery<D> {
    let count = if listing.filter.email.is_some() {
        filtered("count(*)", mailing, owner, &listing.filter)
    } else {
        let mut sql = QueryBuilder::new(format!(
            "SELECT CAST(coalesce(sum({}), 0) AS BIGINT) FROM send_run WHERE mailing_id = ",
            attempt_counter(listing.filter.status)
        ));
        D::push_int(&mut sql, mailing.get());
        push_mailing_owned(&mut sql, "mailing_id", owner);
        sql
    };
    let direction = if listing.oldest_first {
        Direction::Ascending
    } else {
        Direction::Descending
    };
    let mut page = filtered(ATTEMPT_COLUMNS, mailing, owner, &listing.filter);
    page.push(order_by(None, "a.id", direction));
    push_page(&mut page, listing.page);
    PageQuery { count, page }
}

/// The next of the mailing's attempts the filter takes, newest first,
/// older than the cursor's, if the mailing is `owner`'s (`None`: anyone's).
pub(crate) fn before<D: Dialect>(
    mailing: MailingId,
    owner: Option<i64>,
    filter: &AttemptFilter,
    cursor: AttemptCursor,
) -> QueryBuilder<'static, D> {
    let mut sql = filtered(ATTEMPT_COLUMNS, mailing, owner, filter);
    if let Some(before) = cursor.before {
        sql.push(" AND a.id < ");
        D::push_int(&mut sql, before.get());
    }
    sql.push(order_by(None, "a.id", Direction::Descending));
    push_page(&mut sql, Page::new(0, cursor.limit));
    sql
}
