//! Mailings (`MailingRepository`): the statements both backends run.
//! Adding and removing recipients: `members.rs`.

use postpilot_core::domain::{Listing, MailingOrder};
use sqlx::QueryBuilder;

use crate::dialect::{push_page, Dialect, PageQuery};
use crate::listing::{mailing_number, order_by};
use crate::owners::push_owned;

/// The mailing `$1`, if owned by `$2` (NULL: anyone's).
pub(crate) const GET_MAILING: &str = "SELECT id, first_sent_at, sent_completed_at, message_id, \
     recipient_count, launched_at, disabled_at, disabled_by FROM mailing \
     WHERE id = $1 AND ($2 IS NULL OR owner_id = $2)";

/// A new mailing: `$1` its first send time, `$2` the end of its window,
/// `$3` its message, `$4` its owner; returns its id.
pub(crate) const INSERT_MAILING: &str =
    "INSERT INTO mailing (first_sent_at, sent_completed_at, message_id, owner_id) \
     VALUES ($1, $2, $3, $4) RETURNING id";

/// A page of the mailings of owner `$3` (NULL: anyone's) by id: `$1` its
/// size, `$2` its start.
pub(crate) const LIST_MAILINGS: &str =
    "SELECT id, first_sent_at, sent_completed_at, message_id, recipient_count, \
     launched_at, disabled_at, disabled_by FROM mailing WHERE ($3 IS NULL OR owner_id = $3) \
     ORDER BY id LIMIT $1 OFFSET $2";

/// The recipients of mailing `$1`, by id.
pub(crate) const MAILING_RECIPIENT_IDS: &str =
    "SELECT recipient_id FROM mailing_recipient WHERE mailing_id = $1 \
     ORDER BY recipient_id";

/// Mailing `$4`, if owned by `$5` (NULL: anyone's), gets the window `$1`
/// to `$2` and message `$3`.
pub(crate) const UPDATE_MAILING: &str =
    "UPDATE mailing SET first_sent_at = $1, sent_completed_at = $2, message_id = $3 \
     WHERE id = $4 AND ($5 IS NULL OR owner_id = $5)";

/// Removes every recipient of mailing `$1`.
pub(crate) const CLEAR_RECIPIENTS: &str = "DELETE FROM mailing_recipient WHERE mailing_id = $1";

/// Deletes mailing `$1` if owned by `$2` (NULL: anyone's); its runs, deliveries, attempts and memberships
/// go by ON DELETE CASCADE (on PostgreSQL memberships by a statement
/// trigger that counts).
pub(crate) const DELETE_MAILING: &str =
    "DELETE FROM mailing WHERE id = $1 AND ($2 IS NULL OR owner_id = $2)";

/// Mailing `$3`, if `$4` (NULL: anyone) sees it, is disabled as of `$1` by
/// `$2` (NULL: the system), unless it already was: then it keeps its first
/// time and author (the right-hand sides read the row as it was).
pub(crate) const DISABLE_MAILING: &str = "UPDATE mailing \
     SET disabled_at = coalesce(disabled_at, $1), \
     disabled_by = CASE WHEN disabled_at IS NULL THEN $2 ELSE disabled_by END \
     WHERE id = $3 AND ($4 IS NULL OR owner_id = $4) \
     RETURNING id, first_sent_at, sent_completed_at, message_id, recipient_count, \
     launched_at, disabled_at, disabled_by";

/// Mailing `$1`, if `$2` (NULL: anyone) sees it, is enabled again.
pub(crate) const ENABLE_MAILING: &str = "UPDATE mailing \
     SET disabled_at = NULL, disabled_by = NULL \
     WHERE id = $1 AND ($2 IS NULL OR owner_id = $2) \
     RETURNING id, first_sent_at, sent_completed_at, message_id, recipient_count, \
     launched_at, disabled_at, disabled_by";

/// Mailings not launched nor disabled whose window is open at `$1` (now),
/// first send time first, at most `$2`: the scheduler's, everyone's.
pub(crate) const DUE_MAILINGS: &str = "SELECT id FROM mailing WHERE launched_at IS NULL \
     AND disabled_at IS NULL AND first_sent_at <= $1 AND sent_completed_at > $1 \
     ORDER BY first_sent_at, id LIMIT $2";

/// The message `$1`, if it exists and is owned by `$2` (NULL: anyone's).
pub(crate) const MESSAGE_EXISTS: &str =
    "SELECT id FROM message WHERE id = $1 AND ($2 IS NULL OR owner_id = $2)";

/// A page of the mailings of `owner` (`None`: anyone's) whose message's
/// subject the listing's search finds (or whose number it is), in its
/// order, each with that subject, and how many it finds.
pub(crate) fn find<D: Dialect>(
    listing: &Listing<MailingOrder>,
    owner: Option<i64>,
) -> PageQuery<D> {
    let select = |columns: &str| {
        let mut sql = QueryBuilder::new(format!(
            "SELECT {columns} FROM mailing AS m JOIN message AS g ON g.id = m.message_id \
             WHERE true"
        ));
        push_owned(&mut sql, "m.owner_id", owner);
        if let Some(search) = &listing.search {
            sql.push(" AND (");
            D::push_subject_matching(&mut sql, "g.subject", search);
            sql.push(" OR m.id = ");
            D::push_int(&mut sql, mailing_number(search));
            sql.push(")");
        }
        sql
    };
    let column = match listing.sort.column {
        MailingOrder::Id => None,
        MailingOrder::Subject => Some("g.subject"),
        MailingOrder::FirstSentAt => Some("m.first_sent_at"),
        MailingOrder::SentCompletedAt => Some("m.sent_completed_at"),
        MailingOrder::RecipientCount => Some("m.recipient_count"),
    };
    let mut page = select(
        "m.id, m.first_sent_at, m.sent_completed_at, m.message_id, m.recipient_count, \
         m.launched_at, m.disabled_at, m.disabled_by, g.subject",
    );
    page.push(order_by(column, "m.id", listing.sort.direction));
    push_page(&mut page, listing.page);
    PageQuery {
        count: select("count(*)"),
        page,
    }
}
