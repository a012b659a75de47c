//! What was sent: a run, its launch, and its attempts.

use chrono::{DateTime, Utc};
use postpilot_core::{AttemptStatus, RecipientId, SendAttempt, SendRun, Trigger};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What launched a run.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TriggerJson {
    Cli,
    Ui,
    Api,
    Schedule,
}

impl From<Trigger> for TriggerJson {
    fn from(t: Trigger) -> Self {
        match t {
            Trigger::Cli => Self::Cli,
            Trigger::Ui => Self::Ui,
            Trigger::Api => Self::Api,
            Trigger::Schedule => Self::Schedule,
        }
    }
}

/// One launch of sending a mailing. `sent + failed + pending == total`
/// (deliveries, one per recipient).
#[derive(Debug, Serialize, ToSchema)]
pub struct RunJson {
    pub id: i64,
    pub mailing_id: i64,
    pub trigger: TriggerJson,
    pub started_at: DateTime<Utc>,
    /// Null while deliveries are pending.
    pub finished_at: Option<DateTime<Utc>>,
    pub total: u64,
    pub sent: u64,
    pub failed: u64,
    pub pending: u64,
    /// The subject this run sends, copied from the message at launch (an
    /// edit of the message later does not change it); null for runs
    /// launched before runs kept their text.
    pub subject: Option<String>,
    /// Recipients of the mailing left out at launch because they had
    /// unsubscribed (not deliveries: not in `total`).
    pub skipped_unsubscribed: u64,
    /// Left out at launch because their address bounced (and they had not
    /// unsubscribed).
    pub skipped_bounced: u64,
    /// The id of the user who launched the run; null for the system (the
    /// server's token, the command line without `--as`, the scheduler).
    pub launched_by: Option<i64>,
    /// The API token of `launched_by` the run was launched with (its name
    /// as it was then, kept after the token is revoked); null for a UI
    /// session, the system and runs from before tokens were recorded.
    pub launched_via_token: Option<RunTokenJson>,
}

/// An API token a run was launched with.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunTokenJson {
    pub id: i64,
    /// The token's name at launch.
    #[schema(example = "ci")]
    pub name: String,
}

impl From<SendRun> for RunJson {
    fn from(r: SendRun) -> Self {
        Self {
            pending: r.pending(),
            id: r.id.get(),
            mailing_id: r.mailing_id.get(),
            trigger: r.trigger.into(),
            started_at: r.started_at,
            finished_at: r.finished_at,
            total: r.total,
            sent: r.sent,
            failed: r.failed,
            subject: r.subject,
            skipped_unsubscribed: r.skipped_unsubscribed,
            skipped_bounced: r.skipped_bounced,
            launched_by: r.launched_by.map(|u| u.get()),
            launched_via_token: r.launched_via.map(|t| RunTokenJson {
                id: t.id.get(),
                name: t.name.to_string(),
            }),
        }
    }
}

/// Whom a send goes to. The body is optional: none (or `{}`) sends to every
/// recipient of the mailing.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendJson {
    /// `true`: only the recipients no run of this mailing reached yet (whose
    /// last attempt failed or was not sent, or who were never sent);
    /// `false` (the default): everyone again. An unfinished run is resumed
    /// as it is, whatever this says.
    #[serde(default)]
    pub only_unsent: bool,
}

/// The answer to `send`: the run being delivered in the background.
#[derive(Debug, Serialize, ToSchema)]
pub struct LaunchJson {
    pub run: RunJson,
    /// True when an unfinished run was picked up instead of a new one.
    pub resumed: bool,
}

/// Статус попытки.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttemptStatusJson {
    /// Успешно.
    Success,
    /// Не успешно.
    Failure,
}

impl From<AttemptStatus> for AttemptStatusJson {
    fn from(s: AttemptStatus) -> Self {
        match s {
            AttemptStatus::Success => Self::Success,
            AttemptStatus::Failure => Self::Failure,
        }
    }
}

/// Попытка рассылки: one email to one recipient.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptJson {
    pub id: i64,
    pub mailing_id: i64,
    pub run_id: i64,
    /// Null once the recipient was deleted; `email` stays.
    pub recipient_id: Option<i64>,
    pub email: String,
    pub attempt_at: DateTime<Utc>,
    pub status: AttemptStatusJson,
    /// Ответ почтового сервера.
    #[schema(example = "250 2.0.0 Ok: queued as 3F2A")]
    pub response: String,
}

impl From<SendAttempt> for AttemptJson {
    fn from(a: SendAttempt) -> Self {
        Self {
            id: a.id.get(),
            mailing_id: a.mailing_id.get(),
            run_id: a.run_id.get(),
            recipient_id: a.recipient_id.map(RecipientId::get),
            email: a.email.to_string(),
            attempt_at: a.attempt_at,
            status: a.status.into(),
            response: a.response,
        }
    }
}
