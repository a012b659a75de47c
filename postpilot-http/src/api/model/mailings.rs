//! A mailing's JSON: the mailing, its status, and what changes it.

use chrono::{DateTime, Utc};
use postpilot_core::usecases::MailingView;
use postpilot_core::{
    InvalidField, MailingPatch, MailingStatus, MessageId, RecipientId, RecipientsEdit, UserId,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::selection::recipient_ids;
use crate::api::rules::{self, JsonId};

/// Статус рассылки, computed at the moment of the answer.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MailingStatusJson {
    /// Создана: before its end, never sent.
    Created,
    /// Запущена: before its end, sent at least once.
    Running,
    /// Завершена: its end time has passed.
    Completed,
}

impl From<MailingStatus> for MailingStatusJson {
    fn from(s: MailingStatus) -> Self {
        match s {
            MailingStatus::Created => Self::Created,
            MailingStatus::Running => Self::Running,
            MailingStatus::Completed => Self::Completed,
        }
    }
}

/// Рассылка, with its recipients.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailingJson {
    pub id: i64,
    /// Дата и время первой отправки.
    pub first_sent_at: DateTime<Utc>,
    /// Дата и время окончания отправки.
    pub sent_completed_at: DateTime<Utc>,
    pub status: MailingStatusJson,
    pub message_id: i64,
    pub recipient_ids: Vec<i64>,
    pub recipient_count: u64,
    /// When it was first sent; null while it never was.
    pub launched_at: Option<DateTime<Utc>>,
    /// Set while a manager or an admin has it disabled: it is neither
    /// scheduled nor sent until enabled again; null while it is enabled.
    pub disabled_at: Option<DateTime<Utc>>,
    /// The user who disabled it; null while enabled, or when the system
    /// (the command line or the automation token) did.
    pub disabled_by: Option<i64>,
}

impl MailingJson {
    pub fn new(view: MailingView, recipient_ids: Vec<RecipientId>) -> Self {
        let summary = MailingSummaryJson::from(view);
        Self {
            id: summary.id,
            first_sent_at: summary.first_sent_at,
            sent_completed_at: summary.sent_completed_at,
            status: summary.status,
            message_id: summary.message_id,
            recipient_ids: recipient_ids.into_iter().map(RecipientId::get).collect(),
            recipient_count: summary.recipient_count,
            launched_at: summary.launched_at,
            disabled_at: summary.disabled_at,
            disabled_by: summary.disabled_by,
        }
    }
}

/// Рассылка in a list: its recipients are counted, not listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailingSummaryJson {
    pub id: i64,
    pub first_sent_at: DateTime<Utc>,
    pub sent_completed_at: DateTime<Utc>,
    pub status: MailingStatusJson,
    pub message_id: i64,
    pub recipient_count: u64,
    pub launched_at: Option<DateTime<Utc>>,
    /// Set while the mailing is disabled.
    pub disabled_at: Option<DateTime<Utc>>,
    /// Who disabled it (null: the system, or enabled).
    pub disabled_by: Option<i64>,
}

impl From<MailingView> for MailingSummaryJson {
    fn from(view: MailingView) -> Self {
        let m = view.mailing;
        Self {
            id: m.id.get(),
            first_sent_at: m.first_sent_at,
            sent_completed_at: m.sent_completed_at,
            status: view.status.into(),
            message_id: m.message_id.get(),
            recipient_count: m.recipient_count,
            launched_at: m.launched_at,
            disabled_at: m.disabled.map(|d| d.at),
            disabled_by: m.disabled.and_then(|d| d.by).map(UserId::get),
        }
    }
}

/// A new mailing: a message, a window and its recipients.
/// `sent_completed_at` must be after `first_sent_at`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMailingJson {
    #[schema(schema_with = rules::message_id)]
    pub message_id: JsonId,
    #[serde(deserialize_with = "rules::rfc3339")]
    #[schema(schema_with = rules::time)]
    pub first_sent_at: DateTime<Utc>,
    #[serde(deserialize_with = "rules::rfc3339")]
    #[schema(schema_with = rules::time)]
    pub sent_completed_at: DateTime<Utc>,
    #[schema(schema_with = rules::recipient_ids)]
    pub recipient_ids: Vec<JsonId>,
}

/// Fields to change; those left out (or null) keep their value.
/// `recipient_ids` replaces the recipients. The window that results must
/// end after it starts.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailingPatchJson {
    #[schema(schema_with = rules::message_id_or_null)]
    pub message_id: Option<JsonId>,
    #[serde(default, deserialize_with = "rules::rfc3339_or_null")]
    #[schema(schema_with = rules::time_or_null)]
    pub first_sent_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "rules::rfc3339_or_null")]
    #[schema(schema_with = rules::time_or_null)]
    pub sent_completed_at: Option<DateTime<Utc>>,
    #[schema(schema_with = rules::recipient_ids_or_null)]
    pub recipient_ids: Option<Vec<JsonId>>,
}
impl MailingPatchJson {
    pub fn validate(self) -> Result<MailingPatch, InvalidField> {
        Ok(MailingPatch {
            first_sent_at: self.first_sent_at,
            sent_completed_at: self.sent_completed_at,
            message_id: self.message_id.map(|JsonId(id)| MessageId(id)),
            recipients: match self.recipient_ids {
                None => RecipientsEdit::Keep,
                Some(ids) => RecipientsEdit::Replace(recipient_ids(ids)?),
            },
        })
    }
}
/// What an add did.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecipientsAddedJson {
    /// Recipients added (those already in the mailing are not counted).
    pub added: u64,
    /// The mailing's recipients now.
    pub recipient_count: u64,
}

/// What a remove did.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecipientsRemovedJson {
    /// Recipients removed from the mailing (they stay in the store).
    pub removed: u64,
    /// The mailing's recipients now.
    pub recipient_count: u64,
}
