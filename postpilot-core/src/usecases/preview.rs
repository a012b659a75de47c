//! A message as one recipient would get it, and a test send of it to one
//! address, without touching runs, attempts or statistics.

use std::sync::Arc;

use chrono::Utc;

use crate::domain::{
    EmailAddress, Fields, FullName, InvalidField, MessageId, Problem, PublicUrl, RecipientId,
    RenderError, UnsubscribeLinks,
};
use crate::error::{Error, Result};
use crate::ports::{
    Content, InstanceRepository, Mailer, MessageRepository, OutgoingEmail, RecipientRepository,
    ServerReply,
};

use super::letters::Letters;

/// One email, personalised for one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub to: EmailAddress,
    pub to_name: FullName,
    pub content: Arc<Content>,
    /// The email as the mailer would send it: headers and body.
    pub raw: Vec<u8>,
}

/// Preview and test send of messages.
#[derive(Debug, Clone)]
pub struct Previews<S, M> {
    store: S,
    mailer: M,
    public_url: Option<PublicUrl>,
}

impl<S, M> Previews<S, M>
where
    S: MessageRepository + RecipientRepository + InstanceRepository,
    M: Mailer,
{
    pub fn new(store: S, mailer: M) -> Self {
        Self {
            store,
            mailer,
            public_url: None,
        }
    }

    /// Previews show the unsubscribe link emails sent with `public_url`
    /// carry.
    #[must_use]
    pub fn with_public_url(mut self, public_url: Option<PublicUrl>) -> Self {
        self.public_url = public_url;
        self
    }

    /// Message `message` as recipient `recipient` would get it.
    ///
    /// # Errors
    /// `NotFound` for an unknown message or recipient; `Invalid` on
    /// `subject` or `body_text` when it cannot be rendered for them;
    /// [`Error::Mail`] when the mailer cannot build the email.
    pub async fn preview(&self, message: MessageId, recipient: RecipientId) -> Result<Letter> {
        let instance = self.store.instance_id().await?;
        let key = format!("postpilot.preview.{recipient}.{instance}");
        let links = match &self.public_url {
            Some(base) => Some(UnsubscribeLinks {
                base: base.clone(),
                secret: self.store.unsubscribe_secret().await?,
            }),
            None => None,
        };
        self.letter(message, recipient, None, key, links).await
    }

    /// Sends message `message`, personalised for `recipient`, to `to`
    /// only. Nothing is recorded: no run, no attempt, no statistics.
    ///
    /// # Errors
    /// As [`Self::preview`]; [`Error::Mail`] when the mailer refuses it.
    pub async fn send_test(
        &self,
        message: MessageId,
        recipient: RecipientId,
        to: EmailAddress,
    ) -> Result<(Letter, ServerReply)> {
        let instance = self.store.instance_id().await?;
        // Unique per test, so a receiver that drops repeated Message-IDs
        // shows every test.
        let stamp = Utc::now().timestamp_micros();
        let key = format!("postpilot.test.{stamp}.{instance}");
        // No unsubscribe link: following one in a test would unsubscribe
        // the recipient whose fields fill it.
        let letter = self
            .letter(message, recipient, Some(to), key.clone(), None)
            .await?;
        let email = OutgoingEmail {
            to: letter.to.clone(),
            to_name: letter.to_name.clone(),
            content: Arc::clone(&letter.content),
            message_key: key,
            unsubscribe_url: None,
        };
        let reply = self.mailer.send(&email).await?;
        Ok((letter, reply))
    }

    async fn letter(
        &self,
        message: MessageId,
        recipient: RecipientId,
        to: Option<EmailAddress>,
        message_key: String,
        links: Option<UnsubscribeLinks>,
    ) -> Result<Letter> {
        let message = self.store.get_message(message).await?;
        let recipient = self.store.get_recipient(recipient).await?;
        let letters = Letters::new(message.subject, message.body_text, message.body_html);
        let link = links.map(|l| l.link(recipient.id));
        let content = letters
            .render(Fields {
                full_name: recipient.full_name.as_str(),
                email: recipient.email.as_str(),
                comment: recipient.comment.as_str(),
                unsubscribe_url: link.as_deref().unwrap_or_default(),
            })
            .map_err(unrenderable)?;
        let email = OutgoingEmail {
            to: to.unwrap_or(recipient.email),
            to_name: recipient.full_name,
            content,
            message_key,
            unsubscribe_url: link,
        };
        let raw = self.mailer.preview(&email)?;
        Ok(Letter {
            to: email.to,
            to_name: email.to_name,
            content: email.content,
            raw,
        })
    }
}

fn unrenderable(e: RenderError) -> Error {
    InvalidField::new(e.field, Problem::Other(e.problem)).into()
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::domain::{BodyText, Comment, InstanceId, Message, Recipient, Subject};
    use crate::mocks::MockStore;
    use crate::ports::mailer::MockMailer;
    use crate::ports::MailError;

    fn store(subject: &str, body: &str) -> MockStore {
        let mut store = MockStore::new();
        let (subject, body) = (subject.to_owned(), body.to_owned());
        store.expect_get_message().returning(move |id| {
            Ok(Message {
                id,
                subject: Subject::parse(&subject).expect("subject"),
                body_text: BodyText::parse(&body).expect("body"),
                body_html: None,
                created_at: Utc::now(),
            })
        });
        store.expect_get_recipient().returning(|id| {
            Ok(Recipient {
                id,
                email: EmailAddress::parse("anna@example.com").expect("email"),
                full_name: FullName::parse("Анна").expect("name"),
                comment: Comment::parse("VIP").expect("comment"),
            })
        });
        store
            .expect_instance_id()
            .returning(|| Ok(InstanceId::parse("0123456789abcdef").expect("instance")));
        store
    }

    #[tokio::test]
    async fn a_preview_renders_the_message_for_the_recipient_and_sends_nothing() {
        let mut mailer = MockMailer::new();
        mailer.expect_send().never();
        mailer
            .expect_preview()
            .withf(|e| {
                e.content.subject.as_str() == "Анна, новости" && e.to.as_str() == "anna@example.com"
            })
            .returning(|_| Ok(b"Subject: ...\r\n\r\nbody\r\n".to_vec()));
        let letter = Previews::new(
            store("{{ full_name }}, новости", "Для {{ comment }}"),
            mailer,
        )
        .preview(MessageId(1), RecipientId(1))
        .await
        .expect("preview");
        assert_eq!(letter.content.body_text.as_str(), "Для VIP");
        assert_eq!(letter.raw, b"Subject: ...\r\n\r\nbody\r\n");
    }

    #[tokio::test]
    async fn a_test_goes_only_to_the_address_given_with_the_recipients_fields() {
        let mut mailer = MockMailer::new();
        mailer.expect_preview().returning(|_| Ok(b"raw".to_vec()));
        mailer
            .expect_send()
            .times(1)
            .withf(|e| {
                e.to.as_str() == "me@shop.example"
                    && e.content.subject.as_str() == "Анна, новости"
                    && e.message_key.starts_with("postpilot.test.")
            })
            .returning(|_| Ok(ServerReply("250 ok".into())));
        let (_, reply) = Previews::new(store("{{ full_name }}, новости", "Текст"), mailer)
            .send_test(
                MessageId(1),
                RecipientId(1),
                EmailAddress::parse("me@shop.example").expect("email"),
            )
            .await
            .expect("sent");
        assert_eq!(reply.0, "250 ok");
    }

    #[tokio::test]
    async fn a_refused_test_is_an_error_carrying_the_servers_reply() {
        let mut mailer = MockMailer::new();
        mailer.expect_preview().returning(|_| Ok(Vec::new()));
        mailer
            .expect_send()
            .returning(|_| Err(MailError::Permanent("550 5.7.1 relaying denied".into())));
        let err = Previews::new(store("Новости", "Текст"), mailer)
            .send_test(
                MessageId(1),
                RecipientId(1),
                EmailAddress::parse("me@shop.example").expect("email"),
            )
            .await
            .expect_err("refused");
        assert!(
            err.to_string().contains("550 5.7.1 relaying denied"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_message_that_cannot_be_rendered_for_the_recipient_is_invalid_naming_the_field() {
        let mut mailer = MockMailer::new();
        mailer.expect_preview().never();
        let err = Previews::new(store("{{ comment * 100 }}", "Текст"), mailer)
            .preview(MessageId(1), RecipientId(1))
            .await
            .expect_err("too long");
        assert_eq!(err.field(), Some("subject"));
    }
}
