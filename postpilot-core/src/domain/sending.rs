//! Runs, deliveries and attempts: the record of sending.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use super::status::UnknownCode;
use super::{
    AttemptId, AttemptStatus, BodyHtml, BodyText, Comment, DeliveryId, EmailAddress, FullName,
    MailingId, RecipientId, RunId, Subject, TokenId, TokenName, UserId,
};

/// What launched a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trigger {
    Cli,
    Ui,
    Api,
    Schedule,
}

impl Trigger {
    pub fn code(self) -> &'static str {
        match self {
            Self::Cli => "cli",
            Self::Ui => "ui",
            Self::Api => "api",
            Self::Schedule => "schedule",
        }
    }
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Trigger {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "cli" => Ok(Self::Cli),
            "ui" => Ok(Self::Ui),
            "api" => Ok(Self::Api),
            "schedule" => Ok(Self::Schedule),
            other => Err(UnknownCode(other.to_owned())),
        }
    }
}

/// One launch of a mailing. Totals count deliveries (one per recipient):
/// `sent + failed + pending == total`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendRun {
    pub id: RunId,
    pub mailing_id: MailingId,
    pub trigger: Trigger,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub total: u64,
    pub sent: u64,
    pub failed: u64,
    /// The subject this run sends (copied from the message at launch);
    /// `None` for runs launched before runs kept their text.
    pub subject: Option<String>,
    /// Recipients of the mailing left out at launch because they
    /// unsubscribed: not deliveries, so not in `total`.
    pub skipped_unsubscribed: u64,
    /// Left out at launch because their address bounced (and they had not
    /// unsubscribed).
    pub skipped_bounced: u64,
    /// The user who launched the run; `None` for the system (the CLI
    /// without `--as`, the server's token, the scheduler) and runs from
    /// before users.
    pub launched_by: Option<UserId>,
    /// The API token of `launched_by` the run was launched with, as it was
    /// then (kept after the token is revoked); `None` for a session, the
    /// CLI, the system and runs from before tokens were recorded.
    pub launched_via: Option<RunToken>,
}

/// The API token a run was launched with: its id and its name at launch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunToken {
    pub id: TokenId,
    pub name: TokenName,
}

/// What a run sends: its message as it was when the run was launched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunMessage {
    pub subject: Subject,
    pub body_text: BodyText,
    pub body_html: Option<BodyHtml>,
}

impl SendRun {
    pub fn pending(&self) -> u64 {
        self.total.saturating_sub(self.sent + self.failed)
    }

    pub fn is_finished(&self) -> bool {
        self.finished_at.is_some()
    }
}

/// Whom a new run of a mailing sends to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Audience {
    /// Every current recipient of the mailing.
    #[default]
    Everyone,
    /// Only the current recipients with no successful attempt in any run of
    /// this mailing: those whose last attempt failed, or who were never sent.
    OnlyUnsent,
}

/// How far a mailing has reached: of its current recipients, how many
/// already have a successful attempt of it (in any run).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reach {
    pub recipients: u64,
    pub reached: u64,
}

impl Reach {
    /// The recipients with no successful attempt yet.
    pub fn unreached(&self) -> u64 {
        self.recipients.saturating_sub(self.reached)
    }

    /// How many a new run with `selection` would send to.
    pub fn selected(&self, selection: Audience) -> u64 {
        match selection {
            Audience::Everyone => self.recipients,
            Audience::OnlyUnsent => self.unreached(),
        }
    }
}

/// The result of asking to send a mailing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launch {
    pub run: SendRun,
    /// `true` when an unfinished run was picked up instead of starting one.
    pub resumed: bool,
}

/// One recipient of one run, waiting to be (or being) sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: DeliveryId,
    pub run_id: RunId,
    pub recipient_id: Option<RecipientId>,
    pub email: EmailAddress,
    pub full_name: FullName,
    /// The recipient's comment when the run was launched.
    pub comment: Comment,
    /// Attempts already made for this delivery.
    pub tries: u32,
}

/// Proof of ownership of claimed deliveries; results are recorded only
/// while it still matches.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LeaseToken(pub String);

/// A batch of deliveries taken by one sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub token: LeaseToken,
    pub deliveries: Vec<Delivery>,
}

/// What becomes of a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// Final: delivered, or failed for good.
    Done,
    /// Try again no earlier than this.
    RetryAt(DateTime<Utc>),
}

/// The outcome of one attempt, to be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryResult {
    pub delivery_id: DeliveryId,
    pub attempt_at: DateTime<Utc>,
    pub status: AttemptStatus,
    pub response: String,
    pub next: NextStep,
}

/// An attempt: one email to one recipient, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendAttempt {
    pub id: AttemptId,
    pub mailing_id: MailingId,
    pub run_id: RunId,
    /// `None` once the recipient was deleted; the email stays.
    pub recipient_id: Option<RecipientId>,
    pub email: EmailAddress,
    pub attempt_at: DateTime<Utc>,
    pub status: AttemptStatus,
    pub response: String,
}

/// The home page's figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub mailings_total: u64,
    /// Mailings Running at the moment of the query.
    pub mailings_active: u64,
    /// Distinct recipients belonging to at least one mailing.
    pub unique_recipients: u64,
    pub recipients_total: u64,
    pub messages_total: u64,
    pub attempts_total: u64,
    pub attempts_success: u64,
    pub attempts_failure: u64,
}

/// Which slice of a long list to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub offset: u64,
    pub limit: u64,
}

impl Page {
    pub const ALL: Page = Page {
        offset: 0,
        limit: i64::MAX as u64,
    };

    pub fn new(offset: u64, limit: u64) -> Self {
        Self { offset, limit }
    }
}
