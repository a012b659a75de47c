//! Messages (`MessageRepository`): the statements both backends run.

use postpilot_core::domain::{Listing, MessageOrder};
use sqlx::QueryBuilder;

use crate::dialect::{push_page, Dialect, PageQuery};
use crate::listing::order_by;
use crate::owners::push_owned;

/// The message `$1`, if owned by `$2` (NULL: anyone's).
pub(crate) const GET_MESSAGE: &str = "SELECT id, subject, body_text, body_html, created_at \
     FROM message WHERE id = $1 AND ($2 IS NULL OR owner_id = $2)";

/// A new message: `$1` its subject, `$2` its text body, `$3` its HTML
/// body, `$4` its creation time, `$5` its owner; returns it as stored.
pub(crate) const INSERT_MESSAGE: &str =
    "INSERT INTO message (subject, body_text, body_html, created_at, owner_id) \
     VALUES ($1, $2, $3, $4, $5) RETURNING id, subject, body_text, body_html, created_at";

/// A page of the messages of owner `$3` (NULL: anyone's) by id: `$1` its
/// size, `$2` its start.
pub(crate) const LIST_MESSAGES: &str =
    "SELECT id, subject, body_text, body_html, created_at FROM message \
     WHERE ($3 IS NULL OR owner_id = $3) ORDER BY id LIMIT $1 OFFSET $2";

/// Message `$4`, if owned by `$5` (NULL: anyone's), gets subject `$1`,
/// text body `$2`, HTML body `$3`.
pub(crate) const UPDATE_MESSAGE: &str =
    "UPDATE message SET subject = $1, body_text = $2, body_html = $3 \
     WHERE id = $4 AND ($5 IS NULL OR owner_id = $5)";

/// The launched mailings of owner `$2` (NULL: anyone's) of message `$1`,
/// by id.
pub(crate) const MAILINGS_SENT_WITH: &str = "SELECT id FROM mailing \
     WHERE message_id = $1 AND launched_at IS NOT NULL AND ($2 IS NULL OR owner_id = $2) ORDER BY id";

/// The mailings of owner `$2` (NULL: anyone's) of message `$1`, by id.
pub(crate) const MAILINGS_USING: &str =
    "SELECT id FROM mailing WHERE message_id = $1 AND ($2 IS NULL OR owner_id = $2) ORDER BY id";

/// The first mailing of message `$1`: what is in the way of deleting it,
/// which the foreign key error cannot name.
pub(crate) const FIRST_MAILING_USING: &str =
    "SELECT id FROM mailing WHERE message_id = $1 ORDER BY id LIMIT 1";

/// Deletes message `$1` if owned by `$2` (NULL: anyone's).
pub(crate) const DELETE_MESSAGE: &str =
    "DELETE FROM message WHERE id = $1 AND ($2 IS NULL OR owner_id = $2)";

/// A page of the messages of `owner` (`None`: anyone's) whose subject the
/// listing's search finds, in its order, and how many it finds.
pub(crate) fn find<D: Dialect>(
    listing: &Listing<MessageOrder>,
    owner: Option<i64>,
) -> PageQuery<D> {
    let select = |columns: &str| {
        let mut sql = QueryBuilder::new(format!("SELECT {columns} FROM message AS g WHERE true"));
        push_owned(&mut sql, "g.owner_id", owner);
        if let Some(search) = &listing.search {
            sql.push(" AND ");
            D::push_subject_matching(&mut sql, "g.subject", search);
        }
        sql
    };
    let column = match listing.sort.column {
        MessageOrder::Id => None,
        MessageOrder::Subject => Some("g.subject"),
        MessageOrder::CreatedAt => Some("g.created_at"),
    };
    let mut page = select("g.id, g.subject, g.body_text, g.body_html, g.created_at");
    page.push(order_by(column, "g.id", listing.sort.direction));
    push_page(&mut page, listing.page);
    PageQuery {
        count: select("count(*)"),
        page,
    }
}
