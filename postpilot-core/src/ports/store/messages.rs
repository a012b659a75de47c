//! The messages' repository port.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::error::StoreError;
use crate::domain::{
    Listed, Listing, MailingId, Message, MessageId, MessageOrder, NewMessage, Page,
};

/// Messages.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MessageRepository: Send + Sync {
    /// Stores a message, stamped `created_at`.
    ///
    /// # Errors
    /// `Backend` only.
    async fn insert_message(
        &self,
        new: &NewMessage,
        created_at: DateTime<Utc>,
    ) -> Result<Message, StoreError>;

    /// # Errors
    /// `NotFound`.
    async fn get_message(&self, id: MessageId) -> Result<Message, StoreError>;

    /// Messages ordered by id.
    ///
    /// # Errors
    /// `Backend` only.
    async fn list_messages(&self, page: Page) -> Result<Vec<Message>, StoreError>;

    /// A page of the messages whose subject the listing's search finds, in
    /// its order, with their total.
    ///
    /// # Errors
    /// `Backend` only.
    async fn find_messages(
        &self,
        listing: &Listing<MessageOrder>,
    ) -> Result<Listed<Message>, StoreError>;

    /// # Errors
    /// `NotFound`.
    async fn update_message(&self, id: MessageId, new: &NewMessage) -> Result<Message, StoreError>;

    /// # Errors
    /// `NotFound`; `InUse` while a mailing uses the message.
    async fn delete_message(&self, id: MessageId) -> Result<(), StoreError>;

    /// The mailings of this message that were ever sent (launched), by id:
    /// whose history an edit of the message does not change.
    ///
    /// # Errors
    /// `Backend` only (an unknown message has none).
    async fn mailings_sent_with(&self, id: MessageId) -> Result<Vec<MailingId>, StoreError>;

    /// The mailings whose message this is, sent or not, by id: those that
    /// keep it from being deleted.
    ///
    /// # Errors
    /// `Backend` only (an unknown message has none).
    async fn mailings_using(&self, id: MessageId) -> Result<Vec<MailingId>, StoreError>;
}
