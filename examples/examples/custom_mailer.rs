//! A custom `Mailer`: anything that can send one email can deliver mailings.
//! This one "sends" by printing, and refuses one domain permanently, as a
//! real server would with a 550 reply; postpilot records both outcomes.
//!
//! Run: `cargo run -p postpilot-examples --example custom_mailer`

use async_trait::async_trait;
use chrono::{Duration, Utc};
use postpilot_core::ports::{MailError, Mailer, OutgoingEmail, ServerReply, SystemClock};
use postpilot_core::usecases::{History, Mailings, Messages, Recipients, SendMailing, SendPolicy};
use postpilot_core::{
    Audience, BodyText, Comment, EmailAddress, FullName, NewMailing, NewMessage, NewRecipient,
    Page, RecipientIds, Subject, Trigger, Window,
};
use postpilot_store_sqlx::SqliteStore;

/// Prints each email instead of sending it; `blocked.example` bounces.
#[derive(Debug)]
struct PrintingMailer;

#[async_trait]
impl Mailer for PrintingMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<ServerReply, MailError> {
        if email.to.domain() == "blocked.example" {
            return Err(MailError::Permanent(format!(
                "550 5.7.1 <{}>: relay denied",
                email.to
            )));
        }
        println!(
            "To: {} <{}>\nSubject: {}\n\n{}\n",
            email.to_name, email.to, email.content.subject, email.content.body_text
        );
        Ok(ServerReply(format!("250 printed {}", email.message_key)))
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let store = SqliteStore::connect("sqlite::memory:").await?;
    let clock = SystemClock;
    let recipients = Recipients::new(store.clone());
    let mut ids = Vec::new();
    for email in ["ok@example.com", "nobody@blocked.example"] {
        let new = NewRecipient {
            email: EmailAddress::parse(email)?,
            full_name: FullName::parse("Клиент")?,
            comment: Comment::default(),
        };
        ids.push(recipients.add(new).await?.id);
    }
    let message = Messages::new(store.clone(), clock)
        .add(NewMessage {
            subject: Subject::parse("Привет")?,
            body_text: BodyText::parse("Текст письма")?,
            body_html: None,
        })
        .await?;
    let now = Utc::now();
    let mailing = Mailings::new(store.clone(), clock)
        .add(NewMailing {
            window: Window::new(now, now + Duration::hours(1))?,
            message_id: message.id,
            recipient_ids: RecipientIds::new(ids)?,
        })
        .await?;

    let sender = SendMailing::new(store.clone(), PrintingMailer, clock, SendPolicy::default());
    let (_, run) = sender
        .send(
            mailing.mailing.id,
            Trigger::Api,
            Audience::Everyone,
            &|_| {},
        )
        .await?;
    println!("sent {}, failed {}", run.sent, run.failed);
    for a in History::new(store.clone())
        .attempts(mailing.mailing.id, Page::ALL)
        .await?
    {
        println!("{:<24} {:<10} {}", a.email, a.status.code(), a.response);
    }
    Ok(())
}
