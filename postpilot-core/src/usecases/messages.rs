//! Управление сообщениями.

use crate::domain::{
    Listed, Listing, MailingId, Message, MessageId, MessageOrder, MessagePatch, NewMessage, Page,
};
use crate::error::Result;
use crate::ports::{Clock, MessageRepository};

/// CRUD of messages.
#[derive(Debug, Clone)]
pub struct Messages<R, C> {
    repo: R,
    clock: C,
}

impl<R: MessageRepository, C: Clock> Messages<R, C> {
    pub fn new(repo: R, clock: C) -> Self {
        Self { repo, clock }
    }

    /// Stores a message stamped with the current time.
    ///
    /// # Errors
    /// Backend failures.
    pub async fn add(&self, new: NewMessage) -> Result<Message> {
        Ok(self.repo.insert_message(&new, self.clock.now()).await?)
    }

    /// # Errors
    /// `NotFound`.
    pub async fn get(&self, id: MessageId) -> Result<Message> {
        Ok(self.repo.get_message(id).await?)
    }

    /// # Errors
    /// Backend failures.
    pub async fn list(&self, page: Page) -> Result<Vec<Message>> {
        Ok(self.repo.list_messages(page).await?)
    }

    /// A page of the messages whose subject the listing's search finds, in
    /// its order, and their total.
    ///
    /// # Errors
    /// Backend failures.
    pub async fn find(&self, listing: &Listing<MessageOrder>) -> Result<Listed<Message>> {
        Ok(self.repo.find_messages(listing).await?)
    }

    /// # Errors
    /// `NotFound`.
    pub async fn edit(&self, id: MessageId, patch: MessagePatch) -> Result<Message> {
        let current = self.repo.get_message(id).await?;
        Ok(self.repo.update_message(id, &patch.apply(current)).await?)
    }

    /// The mailings that sent this message (were launched with it), by id.
    ///
    /// # Errors
    /// Store failures.
    pub async fn sent_in(&self, id: MessageId) -> Result<Vec<MailingId>> {
        Ok(self.repo.mailings_sent_with(id).await?)
    }

    /// # Errors
    /// `NotFound`; `InUse` while a mailing uses it.
    pub async fn delete(&self, id: MessageId) -> Result<()> {
        Ok(self.repo.delete_message(id).await?)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::domain::{BodyText, Subject};
    use crate::ports::clock::MockClock;
    use crate::ports::store::MockMessageRepository;

    #[tokio::test]
    async fn new_message_is_stamped_with_the_clock_time() {
        let at = Utc
            .with_ymd_and_hms(2026, 11, 26, 10, 0, 0)
            .single()
            .expect("time");
        let mut clock = MockClock::new();
        clock.expect_now().return_const(at);
        let mut repo = MockMessageRepository::new();
        repo.expect_insert_message()
            .withf(move |_, created| *created == at)
            .returning(|new, created_at| {
                Ok(Message {
                    id: MessageId(1),
                    subject: new.subject.clone(),
                    body_text: new.body_text.clone(),
                    created_at,
                })
            });
        let new = NewMessage {
            subject: Subject::parse("Привет").expect("valid"),
            body_text: BodyText::parse("Текст").expect("valid"),
        };
        let stored = Messages::new(repo, clock).add(new).await.expect("added");
        assert_eq!(stored.created_at, at);
    }
}
