//! Reading runs, deliveries and attempts: rows and their decoding.

use postpilot_core::domain::{
    AttemptId, AttemptStatus, Delivery, DeliveryId, EmailAddress, FullName, MailingId, RecipientId,
    RunId, SendAttempt, SendRun, Trigger,
};
use postpilot_core::ports::{Entity, StoreError};
use sqlx::Sqlite;

use super::codec::{count, opt_time, time};
use crate::errors::{backend, corrupt, decode};

pub(super) const SELECT_RUN: &str = "SELECT id, mailing_id, \"trigger\", started_at, \
     finished_at, total, sent, failed FROM send_run";

#[derive(sqlx::FromRow)]
pub(super) struct RunRow {
    id: i64,
    mailing_id: i64,
    trigger: String,
    started_at: i64,
    finished_at: Option<i64>,
    total: i64,
    sent: i64,
    failed: i64,
}

impl TryFrom<RunRow> for SendRun {
    type Error = StoreError;
    fn try_from(row: RunRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: RunId(row.id),
            mailing_id: MailingId(row.mailing_id),
            trigger: decode("send_run.trigger", row.trigger.parse::<Trigger>())?,
            started_at: time("send_run.started_at", row.started_at)?,
            finished_at: opt_time("send_run.finished_at", row.finished_at)?,
            total: count("send_run.total", row.total)?,
            sent: count("send_run.sent", row.sent)?,
            failed: count("send_run.failed", row.failed)?,
        })
    }
}

/// The run, read within `conn` (a transaction or a pool).
pub(super) async fn run_in<'c, E>(conn: E, id: RunId) -> Result<SendRun, StoreError>
where
    E: sqlx::Executor<'c, Database = Sqlite>,
{
    sqlx::query_as::<_, RunRow>(&format!("{SELECT_RUN} WHERE id = ?"))
        .bind(id.get())
        .fetch_optional(conn)
        .await
        .map_err(backend(format!("reading run {id}")))?
        .ok_or_else(|| StoreError::not_found(Entity::Run, id.get()))?
        .try_into()
}

/// The mailing a run belongs to; `NotFound` for an unknown run.
pub(super) async fn mailing_of<'c, E>(conn: E, run: RunId) -> Result<i64, StoreError>
where
    E: sqlx::Executor<'c, Database = Sqlite>,
{
    sqlx::query_scalar("SELECT mailing_id FROM send_run WHERE id = ?")
        .bind(run.get())
        .fetch_optional(conn)
        .await
        .map_err(backend(format!("looking up run {run}")))?
        .ok_or_else(|| StoreError::not_found(Entity::Run, run.get()))
}

#[derive(sqlx::FromRow)]
pub(super) struct DeliveryRow {
    id: i64,
    run_id: i64,
    recipient_id: Option<i64>,
    email: String,
    full_name: String,
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
            tries: u32::try_from(row.tries)
                .map_err(|_| corrupt("delivery.tries", format!("{} is out of range", row.tries)))?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct AttemptRow {
    id: i64,
    mailing_id: i64,
    run_id: i64,
    recipient_id: Option<i64>,
    email: String,
    attempt_at: i64,
    status: String,
    response: String,
}

impl TryFrom<AttemptRow> for SendAttempt {
    type Error = StoreError;
    fn try_from(row: AttemptRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: AttemptId(row.id),
            mailing_id: MailingId(row.mailing_id),
            run_id: RunId(row.run_id),
            recipient_id: row.recipient_id.map(RecipientId),
            email: decode("send_attempt.email", EmailAddress::parse(&row.email))?,
            attempt_at: time("send_attempt.attempt_at", row.attempt_at)?,
            status: decode("send_attempt.status", row.status.parse::<AttemptStatus>())?,
            response: row.response,
        })
    }
}
