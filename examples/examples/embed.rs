//! Embedding postpilot in a program: a SQLite file in a temporary directory,
//! emails written to an outbox, the use cases driven directly.
//!
//! Run: `cargo run -p postpilot-examples --example embed`

use chrono::{Duration, Utc};
use postpilot_core::ports::SystemClock;
use postpilot_core::usecases::{
    History, Mailings, Messages, Recipients, SendMailing, SendPolicy, Statistics,
};
use postpilot_core::{
    Audience, BodyText, Comment, EmailAddress, FullName, NewMailing, NewMessage, NewRecipient,
    Page, RecipientIds, Subject, Trigger, Window,
};
use postpilot_smtp::OutboxMailer;
use postpilot_store_sqlx::SqliteStore;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let db = format!("sqlite://{}", dir.path().join("campaigns.db").display());
    let store = SqliteStore::connect(&db).await?;
    let clock = SystemClock;

    let recipients = Recipients::new(store.clone());
    let mut ids = Vec::new();
    for (email, name) in [
        ("ivan@example.com", "Иван Петров"),
        ("anna@example.com", "Анна Смирнова"),
    ] {
        let r = recipients
            .add(NewRecipient {
                email: EmailAddress::parse(email)?,
                full_name: FullName::parse(name)?,
                comment: Comment::default(),
            })
            .await?;
        ids.push(r.id);
    }

    let message = Messages::new(store.clone(), clock)
        .add(NewMessage {
            subject: Subject::parse("Новости недели")?,
            body_text: BodyText::parse("Здравствуйте!\n\nВот что нового.")?,
            body_html: None,
        })
        .await?;

    let now = Utc::now();
    let mailing = Mailings::new(store.clone(), clock)
        .add(NewMailing {
            window: Window::new(now, now + Duration::days(1))?,
            message_id: message.id,
            recipient_ids: RecipientIds::new(ids)?,
        })
        .await?;
    println!(
        "mailing {} is {}",
        mailing.mailing.id,
        mailing.status.code()
    );

    let outbox = dir.path().join("outbox");
    let mailer = OutboxMailer::new(&outbox, EmailAddress::parse("news@example.com")?)?;
    let sender = SendMailing::new(store.clone(), mailer, clock, SendPolicy::default());
    let (_, run) = sender
        .send(mailing.mailing.id, Trigger::Api, Audience::Everyone, &|r| {
            println!("progress: {}/{} sent, {} failed", r.sent, r.total, r.failed);
        })
        .await?;
    println!(
        "run {} finished: {} sent, {} failed",
        run.id, run.sent, run.failed
    );

    for a in History::new(store.clone())
        .attempts(mailing.mailing.id, Page::ALL)
        .await?
    {
        println!(
            "{} {} {} {}",
            a.attempt_at,
            a.email,
            a.status.code(),
            a.response
        );
    }
    let stats = Statistics::new(store.clone(), clock).get().await?;
    println!(
        "mailings: {}, active: {}, unique recipients: {}",
        stats.mailings_total, stats.mailings_active, stats.unique_recipients
    );
    println!(
        "emails written to {}: {}",
        outbox.display(),
        std::fs::read_dir(&outbox)?.count()
    );
    store.close().await;
    Ok(())
}
