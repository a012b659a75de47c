//! Recipients (`RecipientRepository`): the statements both backends run.
//! The import differs (see each backend's `recipients.rs`).

use postpilot_core::domain::{EmailAddress, Listing, RecipientOrder};
use sqlx::QueryBuilder;

use crate::dialect::{push_page, Dialect, PageQuery};
use crate::listing::order_by;
use crate::owners::{push_owned, push_owner_is};

/// The recipient `$1`, if owned by `$2` (NULL: anyone's).
pub(crate) const GET_RECIPIENT: &str =
    "SELECT id, email, full_name, comment FROM recipient WHERE id = $1 AND ($2 IS NULL OR owner_id = $2)";

/// A page of the recipients of owner `$3` (NULL: anyone's) by id: `$1` its
/// size, `$2` its start.
pub(crate) const LIST_RECIPIENTS: &str = "SELECT id, email, full_name, comment FROM recipient \
     WHERE ($3 IS NULL OR owner_id = $3) ORDER BY id LIMIT $1 OFFSET $2";

/// The id of every recipient of owner `$1` (NULL: anyone's), in order.
pub(crate) const ALL_RECIPIENT_IDS: &str =
    "SELECT id FROM recipient WHERE ($1 IS NULL OR owner_id = $1) ORDER BY id";

/// Recipient `$4`, if owned by `$5` (NULL: anyone's), gets email `$1`,
/// full name `$2`, comment `$3`.
pub(crate) const UPDATE_RECIPIENT: &str =
    "UPDATE recipient SET email = $1, full_name = $2, comment = $3 \
     WHERE id = $4 AND ($5 IS NULL OR owner_id = $5)";

/// Deletes recipient `$1` if owned by `$2` (NULL: anyone's).
pub(crate) const DELETE_RECIPIENT: &str =
    "DELETE FROM recipient WHERE id = $1 AND ($2 IS NULL OR owner_id = $2)";

/// A failure attempt at `$2` for each still-pending delivery of recipient
/// `$1`, saying it was deleted. SQLite's, with the two below, on its one
/// writer; PostgreSQL does all three in one statement
/// (`postgres/recipients.rs`, `CANCEL_QUEUED`).
pub(crate) const CANCEL_ATTEMPTS: &str = "INSERT INTO send_attempt \
     (mailing_id, run_id, recipient_id, email, attempt_at, status, response) \
     SELECT r.mailing_id, d.run_id, d.recipient_id, d.email, $2, 'failure', \
     'not sent: the recipient was deleted' \
     FROM delivery AS d JOIN send_run AS r ON r.id = d.run_id \
     WHERE d.recipient_id = $1 AND d.state = 'pending' ORDER BY d.id";

/// The failures of those attempts, counted in their runs.
pub(crate) const CANCEL_COUNTED: &str =
    "UPDATE send_run SET failed = failed + x.n, attempts_failure = attempts_failure + x.n \
     FROM (SELECT run_id, count(*) AS n FROM delivery \
     WHERE recipient_id = $1 AND state = 'pending' GROUP BY run_id) AS x \
     WHERE send_run.id = x.run_id";

/// Recipient `$1`'s still-pending deliveries failed.
pub(crate) const CANCEL_DELIVERIES: &str =
    "UPDATE delivery SET state = 'failed', tries = tries + 1 \
     WHERE recipient_id = $1 AND state = 'pending'";

/// A page of the recipients of `owner` (`None`: anyone's) the listing's
/// search finds, in its order, and how many it finds.
pub(crate) fn find<D: Dialect>(
    listing: &Listing<RecipientOrder>,
    owner: Option<i64>,
) -> PageQuery<D> {
    let select = |columns: &str| {
        let mut sql = QueryBuilder::new(format!("SELECT {columns} FROM recipient AS r WHERE true"));
        push_owned(&mut sql, "r.owner_id", owner);
        if let Some(search) = &listing.search {
            sql.push(" AND ");
            D::push_matching(&mut sql, search);
        }
        sql
    };
    let direction = listing.sort.direction;
    let order = match listing.sort.column {
        RecipientOrder::Id => order_by(None, "r.id", direction),
        RecipientOrder::FullName => order_by(Some("r.full_name"), "r.id", direction),
        // Emails are unique per owner: ties across owners go by id.
        RecipientOrder::Email => order_by(Some(D::EMAIL_ORDER), "r.id", direction),
    };
    let mut page = select("r.id, r.email, r.full_name, r.comment");
    page.push(order);
    push_page(&mut page, listing.page);
    PageQuery {
        count: select("count(*)"),
        page,
    }
}

/// The id and the lower-cased email of each recipient of `owner` (`None`:
/// the recipients of no owner; emails are unique per owner) whose email,
/// letter case aside, is one of `emails`.
pub(crate) fn ids_by_email<D: Dialect>(
    emails: &[EmailAddress],
    owner: Option<i64>,
) -> QueryBuilder<'static, D> {
    let mut sql = QueryBuilder::new("SELECT id, lower(email) FROM recipient WHERE ");
    push_owner_is::<D>(&mut sql, "owner_id", owner);
    sql.push(" AND lower(email) IN (");
    for (n, email) in emails.iter().enumerate() {
        if n > 0 {
            sql.push(", ");
        }
        D::push_text(&mut sql, email.key());
    }
    sql.push(")");
    sql
}
