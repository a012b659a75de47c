//! The mailings' repository port: a mailing and its recipients.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::error::StoreError;
use crate::domain::{
    Listed, Listing, Mailing, MailingId, MailingOrder, MessageId, NewMailing, Page, RecipientId,
    RecipientPage, RecipientsEdit, Search, Selection, Window,
};

/// Mailings and their recipients.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MailingRepository: Send + Sync {
    /// # Errors
    /// `NotFound` naming the message, or the first recipient, that does not exist.
    async fn insert_mailing(&self, new: &NewMailing) -> Result<Mailing, StoreError>;

    /// # Errors
    /// `NotFound`.
    async fn get_mailing(&self, id: MailingId) -> Result<Mailing, StoreError>;

    /// Mailings ordered by id.
    ///
    /// # Errors
    /// `Backend` only.
    async fn list_mailings(&self, page: Page) -> Result<Vec<Mailing>, StoreError>;

    /// A page of the mailings whose message's subject the listing's search
    /// finds (or whose number it is), in its order, with their total; each
    /// with its message's subject.
    ///
    /// # Errors
    /// `Backend` only.
    async fn find_mailings(
        &self,
        listing: &Listing<MailingOrder>,
    ) -> Result<Listed<(Mailing, String)>, StoreError>;

    /// The mailing's recipients, ascending.
    ///
    /// # Errors
    /// `NotFound`.
    async fn mailing_recipient_ids(&self, id: MailingId) -> Result<Vec<RecipientId>, StoreError>;

    /// The mailing's recipients the search finds (all without one), ordered
    /// by id, with how many there are in all.
    ///
    /// # Errors
    /// `NotFound` for the mailing.
    async fn mailing_recipients<'a>(
        &self,
        id: MailingId,
        search: Option<&'a Search>,
        page: Page,
    ) -> Result<RecipientPage, StoreError>;

    /// Adds the selected recipients to the mailing, in one statement;
    /// those already in it stay as they are. Returns how many were added.
    ///
    /// # Errors
    /// `NotFound` for the mailing, or naming the first recipient of
    /// `Selection::Ids` that does not exist; then nothing changes.
    async fn add_mailing_recipients(
        &self,
        id: MailingId,
        which: &Selection,
    ) -> Result<u64, StoreError>;

    /// Removes the selected recipients from the mailing, in one statement;
    /// those not in it are left alone. Returns how many were removed.
    ///
    /// # Errors
    /// `NotFound` for the mailing, or naming the first recipient of
    /// `Selection::Ids` that does not exist; then nothing changes.
    async fn remove_mailing_recipients(
        &self,
        id: MailingId,
        which: &Selection,
    ) -> Result<u64, StoreError>;

    /// Replaces window and message, and the recipients unless `Keep`.
    ///
    /// # Errors
    /// `NotFound` for the mailing, the message or the first missing recipient.
    async fn update_mailing(
        &self,
        id: MailingId,
        window: Window,
        message_id: MessageId,
        recipients: &RecipientsEdit,
    ) -> Result<Mailing, StoreError>;

    /// Disables the mailing as of `at` (`None`: enables it again), recording
    /// the handle's acting user as who did it. A moderation: it reaches
    /// every mailing the handle *sees* (a manager's, everyone's), unlike an
    /// edit; whether the actor's role may is the use case's to decide.
    /// Disabling a disabled mailing keeps its first time and author.
    ///
    /// # Errors
    /// `NotFound` for a mailing the handle does not see.
    async fn set_mailing_disabled(
        &self,
        id: MailingId,
        at: Option<DateTime<Utc>>,
    ) -> Result<Mailing, StoreError>;

    /// Deletes the mailing with its runs, deliveries and attempts.
    ///
    /// # Errors
    /// `NotFound`.
    async fn delete_mailing(&self, id: MailingId) -> Result<(), StoreError>;

    /// Mailings due for their scheduled first send at `now`: never sent,
    /// not disabled, `first_sent_at <= now < sent_completed_at`; earliest start first, at
    /// most `limit`.
    ///
    /// # Errors
    /// `Backend` only.
    async fn due_mailings(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<MailingId>, StoreError>;
}
