//! Rows as every backend reads them, and their decoding into domain types.
//!
//! The backends store the same columns under the same names; they differ
//! only in how a time is stored (SQLite: integer microseconds, PostgreSQL:
//! `timestamptz`), so each row with times is generic over [`StoredTime`].

use chrono::{DateTime, Utc};
use postpilot_core::domain::{
    AttemptId, AttemptStatus, BodyHtml, BodyText, Comment, Delivery, DeliveryId, Disabled,
    EmailAddress, FullName, Mailing, MailingId, Message, MessageId, NewRecipient, Page, Recipient,
    RecipientId, RunId, RunMessage, RunToken, SendAttempt, SendRun, Stats, Subject, Suppression,
    TokenId, TokenName, Trigger, UserId,
};
use postpilot_core::ports::{Entity, StoreError};

use crate::errors::{corrupt, decode};

/// A time as a backend stores it.
pub(crate) trait StoredTime {
    /// The time, or a `Backend` error naming `column` when it is out of range.
    fn into_utc(self, column: &'static str) -> Result<DateTime<Utc>, StoreError>;
}

/// SQLite: microseconds since the Unix epoch, UTC.
impl StoredTime for i64 {
    fn into_utc(self, column: &'static str) -> Result<DateTime<Utc>, StoreError> {
        DateTime::from_timestamp_micros(self)
            .ok_or_else(|| corrupt(column, format!("{self} µs is out of range")))
    }
}

/// PostgreSQL: `timestamptz`, decoded by sqlx.
impl StoredTime for DateTime<Utc> {
    fn into_utc(self, _column: &'static str) -> Result<DateTime<Utc>, StoreError> {
        Ok(self)
    }
}

fn opt_time<T: StoredTime>(
    column: &'static str,
    stored: Option<T>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    stored.map(|t| t.into_utc(column)).transpose()
}

/// A stored count, which must not be negative.
pub(crate) fn count(column: &'static str, value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| corrupt(column, format!("negative count {value}")))
}

/// A domain count or limit as SQL's signed 64-bit integer, saturating.
pub(crate) fn int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// `(limit, offset)` of a page, clamped to SQL's signed integers.
pub(crate) fn page(page: Page) -> (i64, i64) {
    (int(page.limit), int(page.offset))
}

/// The row a lookup by id found, decoded; `NotFound` naming `entity` and
/// `id` when there was none.
pub(crate) fn found<R, D: TryFrom<R, Error = StoreError>>(
    row: Option<R>,
    entity: Entity,
    id: i64,
) -> Result<D, StoreError> {
    row.ok_or_else(|| StoreError::not_found(entity, id))?
        .try_into()
}

/// Rows decoded, in their order.
pub(crate) fn decoded<R, D: TryFrom<R, Error = StoreError>>(
    rows: Vec<R>,
) -> Result<Vec<D>, StoreError> {
    rows.into_iter().map(D::try_from).collect()
}

/// `NotFound` naming `entity` and `id` when a write by id changed no row.
pub(crate) fn changed(rows_affected: u64, entity: Entity, id: i64) -> Result<(), StoreError> {
    if rows_affected == 0 {
        return Err(StoreError::not_found(entity, id));
    }
    Ok(())
}

/// Ids as a JSON array: one parameter for any number of ids, which each
/// backend expands into rows in SQL (`json_each`, `jsonb_array_elements`).
pub(crate) fn json_ids(ids: impl IntoIterator<Item = i64>) -> String {
    let ids: Vec<i64> = ids.into_iter().collect();
    serde_json::Value::from(ids).to_string()
}

#[derive(sqlx::FromRow)]
pub(crate) struct RecipientRow {
    id: i64,
    email: String,
    full_name: String,
    comment: String,
}

impl TryFrom<RecipientRow> for Recipient {
    type Error = StoreError;
    fn try_from(row: RecipientRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: RecipientId(row.id),
            email: decode("recipient.email", EmailAddress::parse(&row.email))?,
            full_name: decode("recipient.full_name", FullName::parse(&row.full_name))?,
            comment: decode("recipient.comment", Comment::parse(&row.comment))?,
        })
    }
}

/// The recipient as stored under `id`, without reading it back.
pub(crate) fn stored_recipient(id: i64, new: &NewRecipient) -> Recipient {
    Recipient {
        id: RecipientId(id),
        email: new.email.clone(),
        full_name: new.full_name.clone(),
        comment: new.comment.clone(),
    }
}

/// A recipient's suppression marks, with the recipient.

#[derive(sqlx::FromRow)]
pub(crate) struct SuppressedRow<T> {
    #[sqlx(flatten)]
    recipient: RecipientRow,
    unsubscribed_at: Option<T>,
    bounced_at: Option<T>,
    bounce_reply: Option<String>,
}

impl<T: StoredTime> TryFrom<SuppressedRow<T>> for (Recipient, Suppression) {
    type Error = StoreError;
    fn try_from(row: SuppressedRow<T>) -> Result<Self, StoreError> {
        Ok((
            row.recipient.try_into()?,
            Suppression {
                unsubscribed_at: opt_time("recipient.unsubscribed_at", row.unsubscribed_at)?,
                bounced_at: opt_time("recipient.bounced_at", row.bounced_at)?,
                bounce_reply: row.bounce_reply,
            },
        ))
    }
}

/// A stored HTML version: `NULL` for none.
fn html(column: &'static str, stored: Option<String>) -> Result<Option<BodyHtml>, StoreError> {
    stored
        .map(|text| decode(column, BodyHtml::parse(&text)))
        .transpose()
}

#[derive(sqlx::FromRow)]
pub(crate) struct MessageRow<T> {
    id: i64,
    subject: String,
    body_text: String,
    body_html: Option<String>,
    created_at: T,
}

impl<T: StoredTime> TryFrom<MessageRow<T>> for Message {
    type Error = StoreError;
    fn try_from(row: MessageRow<T>) -> Result<Self, StoreError> {
        Ok(Self {
            id: MessageId(row.id),
            subject: decode("message.subject", Subject::parse(&row.subject))?,
            body_text: decode("message.body_text", BodyText::parse(&row.body_text))?,
            body_html: html("message.body_html", row.body_html)?,
            created_at: row.created_at.into_utc("message.created_at")?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MailingRow<T> {
    id: i64,
    first_sent_at: T,
    sent_completed_at: T,
    message_id: i64,
    recipient_count: i64,
    launched_at: Option<T>,
    disabled_at: Option<T>,
    disabled_by: Option<i64>,
}

impl<T: StoredTime> TryFrom<MailingRow<T>> for Mailing {
    type Error = StoreError;
    fn try_from(row: MailingRow<T>) -> Result<Self, StoreError> {
        Ok(Self {
            id: MailingId(row.id),
            first_sent_at: row.first_sent_at.into_utc("mailing.first_sent_at")?,
            sent_completed_at: row
                .sent_completed_at
                .into_utc("mailing.sent_completed_at")?,
            message_id: MessageId(row.message_id),
            recipient_count: count("mailing.recipient_count", row.recipient_count)?,
            launched_at: opt_time("mailing.launched_at", row.launched_at)?,
            disabled: opt_time("mailing.disabled_at", row.disabled_at)?.map(|at| Disabled {
                at,
                by: row.disabled_by.map(UserId),
            }),
        })
    }
}

/// The columns of a [`RunRow`], in its order. Every statement that reads a
/// run (`SELECT`, `RETURNING`) names them as written here; the backends'
/// tests check each such statement ends with them.
#[cfg(test)]
pub(crate) const RUN_COLUMNS: &str = "id, mailing_id, \"trigger\", started_at, finished_at, \
     total, sent, failed, subject, skipped_unsubscribed, skipped_bounced, launched_by, \
     launched_via_token, launched_via_token_name";

#[derive(sqlx::FromRow)]
pub(crate) struct RunRow<T> {
    id: i64,
    mailing_id: i64,
    trigger: String,
    started_at: T,
    finished_at: Option<T>,
    total: i64,
    sent: i64,
    failed: i64,
    subject: Option<String>,
    skipped_unsubscribed: i64,
    skipped_bounced: i64,
    launched_by: Option<i64>,
    launched_via_token: Option<i64>,
    launched_via_token_name: Option<String>,
}

impl<T: StoredTime> TryFrom<RunRow<T>> for SendRun {
    type Error = StoreError;
    fn try_from(row: RunRow<T>) -> Result<Self, StoreError> {
        Ok(Self {
            id: RunId(row.id),
            mailing_id: MailingId(row.mailing_id),
            trigger: decode("send_run.trigger", row.trigger.parse::<Trigger>())?,
            started_at: row.started_at.into_utc("send_run.started_at")?,
            finished_at: opt_time("send_run.finished_at", row.finished_at)?,
            total: count("send_run.total", row.total)?,
            sent: count("send_run.sent", row.sent)?,
            failed: count("send_run.failed", row.failed)?,
            subject: row.subject,
            skipped_unsubscribed: count("send_run.skipped_unsubscribed", row.skipped_unsubscribed)?,
            skipped_bounced: count("send_run.skipped_bounced", row.skipped_bounced)?,
            launched_by: row.launched_by.map(UserId),
            launched_via: match (row.launched_via_token, row.launched_via_token_name) {
                (Some(id), Some(name)) => Some(RunToken {
                    id: TokenId(id),
                    name: decode("send_run.launched_via_token_name", TokenName::parse(&name))?,
                }),
                _ => None,
            },
        })
    }
}

/// What a run sends, as stored (`NULL` for runs from before runs kept it).
#[derive(sqlx::FromRow)]
pub(crate) struct RunMessageRow {
    subject: Option<String>,
    body_text: Option<String>,
    body_html: Option<String>,
}

impl TryFrom<RunMessageRow> for Option<RunMessage> {
    type Error = StoreError;
    fn try_from(row: RunMessageRow) -> Result<Self, StoreError> {
        match (row.subject, row.body_text) {
            (Some(subject), Some(body_text)) => Ok(Some(RunMessage {
                subject: decode("send_run.subject", Subject::parse(&subject))?,
                body_text: decode("send_run.body_text", BodyText::parse(&body_text))?,
                body_html: html("send_run.body_html", row.body_html)?,
            })),
            _ => Ok(None),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct DeliveryRow {
    id: i64,
    run_id: i64,
    recipient_id: Option<i64>,
    email: String,
    full_name: String,
    comment: String,
    tries: i64,
}

impl TryFrom<DeliveryRow> for Delivery {
    type Error = StoreError;
    fn try_from(row: DeliveryRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: DeliveryId(row.id),
            run_id: RunId(row.run_id),
            recipient_id: row.recipient_id.map(RecipientId),
            email: decode("delivery.email", EmailAddress::parse(&row.email))?,
            full_name: decode("delivery.full_name", FullName::parse(&row.full_name))?,
            comment: decode("delivery.comment", Comment::parse(&row.comment))?,
            tries: u32::try_from(row.tries)
                .map_err(|_| corrupt("delivery.tries", format!("{} is out of range", row.tries)))?,
        })
    }
}

/// Deliveries as claimed: decoded and sorted by id (`RETURNING`'s order is
/// unspecified).
pub(crate) fn claimed(rows: Vec<DeliveryRow>) -> Result<Vec<Delivery>, StoreError> {
    let mut deliveries = rows
        .into_iter()
        .map(Delivery::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    deliveries.sort_by_key(|d| d.id);
    Ok(deliveries)
}

#[derive(sqlx::FromRow)]
pub(crate) struct AttemptRow<T> {
    id: i64,
    mailing_id: i64,
    run_id: i64,
    recipient_id: Option<i64>,
    email: String,
    attempt_at: T,
    status: String,
    response: String,
}

impl<T: StoredTime> TryFrom<AttemptRow<T>> for SendAttempt {
    type Error = StoreError;
    fn try_from(row: AttemptRow<T>) -> Result<Self, StoreError> {
        Ok(Self {
            id: AttemptId(row.id),
            mailing_id: MailingId(row.mailing_id),
            run_id: RunId(row.run_id),
            recipient_id: row.recipient_id.map(RecipientId),
            email: decode("send_attempt.email", EmailAddress::parse(&row.email))?,
            attempt_at: row.attempt_at.into_utc("send_attempt.attempt_at")?,
            status: decode("send_attempt.status", row.status.parse::<AttemptStatus>())?,
            response: row.response,
        })
    }
}

/// The home-page figures as the backends' `STATS` statements read them.

#[derive(sqlx::FromRow)]
pub(crate) struct StatsRow {
    mailings_total: i64,
    mailings_active: i64,
    unique_recipients: i64,
    recipients_total: i64,
    messages_total: i64,
    attempts_success: i64,
    attempts_failure: i64,
}

impl TryFrom<StatsRow> for Stats {
    type Error = StoreError;
    fn try_from(row: StatsRow) -> Result<Self, StoreError> {
        let attempts_success = count("send_run.attempts_success", row.attempts_success)?;
        let attempts_failure = count("send_run.attempts_failure", row.attempts_failure)?;
        Ok(Self {
            mailings_total: count("stats_counter.mailings", row.mailings_total)?,
            mailings_active: count("mailing", row.mailings_active)?,
            unique_recipients: count("stats_counter.unique_recipients", row.unique_recipients)?,
            recipients_total: count("stats_counter.recipients", row.recipients_total)?,
            messages_total: count("stats_counter.messages", row.messages_total)?,
            attempts_total: attempts_success.saturating_add(attempts_failure),
            attempts_success,
            attempts_failure,
        })
    }
}

/// A mailing and its message's subject.
#[derive(sqlx::FromRow)]
pub(crate) struct MailingSubjectRow<T> {
    #[sqlx(flatten)]
    mailing: MailingRow<T>,
    subject: String,
}

impl<T: StoredTime> TryFrom<MailingSubjectRow<T>> for (Mailing, String) {
    type Error = StoreError;
    fn try_from(row: MailingSubjectRow<T>) -> Result<Self, StoreError> {
        Ok((Mailing::try_from(row.mailing)?, row.subject))
    }
}
