//! The home page's figures.

use postpilot_core::Stats;
use serde::Serialize;
use utoipa::ToSchema;

/// The home page's figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsJson {
    /// Всего рассылок.
    pub mailings_total: u64,
    /// Активных рассылок (Запущена, now).
    pub mailings_active: u64,
    /// Уникальных получателей: distinct recipients of at least one mailing.
    pub unique_recipients: u64,
    pub recipients_total: u64,
    pub messages_total: u64,
    pub attempts_total: u64,
    pub attempts_success: u64,
    pub attempts_failure: u64,
}

impl From<Stats> for StatsJson {
    fn from(s: Stats) -> Self {
        Self {
            mailings_total: s.mailings_total,
            mailings_active: s.mailings_active,
            unique_recipients: s.unique_recipients,
            recipients_total: s.recipients_total,
            messages_total: s.messages_total,
            attempts_total: s.attempts_total,
            attempts_success: s.attempts_success,
            attempts_failure: s.attempts_failure,
        }
    }
}
