//! Messages (`MessageRepository`): the statements both backends run.

use postpilot_core::domain::{Listing, MessageOrder};
use sqlx::QueryBuilder;

use crate::dialect::{push_page, Dialect, PageQuery};
use crate::listing::order_by;

/// The message `$1`.
pub(crate) const GET_MESSAGE: &str =
    "SELECT id, subject, body_text, body_html, created_at FROM message WHERE id = $1";

/// A new message: `$1` its subject, `$2` its text body, `$3` its HTML
/// body, `$4` its creation time; returns it as stored.
pub(crate) const INSERT_MESSAGE: &str =
    "INSERT INTO message (subject, body_text, body_html, created_at) \
     VALUES ($1, $2, $3, $4) RETURNING id, subject, body_text, body_html, created_at";

/// A page of messages by id: `$1` its size, `$2` its start.
pub(crate) const LIST_MESSAGES: &str =
    "SELECT id, subject, body_text, body_html, created_at FROM message \
     ORDER BY id LIMIT $1 OFFSET $2";

/// Message `$4` gets subject `$1`, text body `$2`, HTML body `$3`.
pub(crate) const UPDATE_MESSAGE: &str =
    "UPDATE message SET subject = $1, body_text = $2, body_html = $3 WHERE id = $4";

/// The launched mailings of message `$1`, by id.
pub(crate) const MAILINGS_SENT_WITH: &str =
    "SELECT id FROM mailing WHERE message_id = $1 AND launched_at IS NOT NULL ORDER BY id";

/// The mailings of message `$1`, by id.
pub(crate) const MAILINGS_USING: &str = "SELECT id FROM mailing WHERE message_id = $1 ORDER BY id";

/// The first mailing of message `$1`: what is in the way of deleting it,
/// which the foreign key error cannot name.
pub(crate) const FIRST_MAILING_USING: &str =
    "SELECT id FROM mailing WHERE message_id = $1 ORDER BY id LIMIT 1";

/// Deletes message `$1`.
pub(crate) const DELETE_MESSAGE: &str = "DELETE FROM message WHERE id = $1";

/// A page of the messages whose subject the listing's search finds, in
/// its order, and how many it finds.
pub(crate) fn find<D: Dialect>(listing: &Listing<MessageOrder>) -> PageQuery<D> {
    let select = |columns: &str| {
        let mut sql = QueryBuilder::new(format!("SELECT {columns} FROM message AS g"));
        if let Some(search) = &listing.search {
            sql.push(" WHERE ");
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
