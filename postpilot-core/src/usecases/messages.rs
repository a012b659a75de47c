//! CRUD of messages.

use crate::domain::{
    Listed, Listing, MailingId, Message, MessageId, MessageOrder, MessagePatch, NewMessage, Page,
    Personalised,
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
    /// `Invalid` on `subject` or `body_text` when it is not a template that
    /// compiles with only the known variables (`domain::VARIABLES`), with
    /// line and column; backend failures.
    pub async fn add(&self, new: NewMessage) -> Result<Message> {
        Personalised::check(&new.subject, &new.body_text, new.body_html.as_ref())?;
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
    /// `NotFound`; `Invalid` as [`Self::add`], and then nothing changes.
    pub async fn edit(&self, id: MessageId, patch: MessagePatch) -> Result<Message> {
        let current = self.repo.get_message(id).await?;
        let new = patch.apply(current);
        Personalised::check(&new.subject, &new.body_text, new.body_html.as_ref())?;
        Ok(self.repo.update_message(id, &new).await?)
    }

    /// The mailings that sent this message (were launched with it), by id.
    ///
    /// # Errors
    /// Store failures.
    pub async fn sent_in(&self, id: MessageId) -> Result<Vec<MailingId>> {
        Ok(self.repo.mailings_sent_with(id).await?)
    }

    /// The mailings whose message this is, sent or not, by id.
    ///
    /// # Errors
    /// Store failures.
    pub async fn used_in(&self, id: MessageId) -> Result<Vec<MailingId>> {
        Ok(self.repo.mailings_using(id).await?)
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
                    body_html: None,
                    created_at,
                })
            });
        let new = NewMessage {
            subject: Subject::parse("Привет").expect("valid"),
            body_text: BodyText::parse("Текст").expect("valid"),
            body_html: None,
        };
        let stored = Messages::new(repo, clock).add(new).await.expect("added");
        assert_eq!(stored.created_at, at);
    }

    #[tokio::test]
    async fn a_message_whose_template_names_an_unknown_variable_is_refused_and_not_stored() {
        let mut repo = MockMessageRepository::new();
        repo.expect_insert_message().never();
        let new = NewMessage {
            subject: Subject::parse("Привет").expect("valid"),
            body_text: BodyText::parse("Здравствуйте, {{ name }}!").expect("valid"),
            body_html: None,
        };
        let err = Messages::new(repo, MockClock::new())
            .add(new)
            .await
            .expect_err("refused");
        assert_eq!(err.field(), Some("body_text"));
        assert!(err.to_string().contains("line 1, column 18"), "{err}");
    }

    #[tokio::test]
    async fn an_edit_that_breaks_the_template_changes_nothing() {
        let mut repo = MockMessageRepository::new();
        repo.expect_get_message().returning(|id| {
            Ok(Message {
                id,
                subject: Subject::parse("Привет, {{ full_name }}").expect("valid"),
                body_text: BodyText::parse("Текст").expect("valid"),
                body_html: None,
                created_at: Utc::now(),
            })
        });
        repo.expect_update_message().never();
        let patch = MessagePatch {
            subject: None,
            body_text: Some(BodyText::parse("{% for %}").expect("valid")),
            body_html: None,
        };
        let err = Messages::new(repo, MockClock::new())
            .edit(MessageId(1), patch)
            .await
            .expect_err("refused");
        assert_eq!(err.field(), Some("body_text"));
    }
}
