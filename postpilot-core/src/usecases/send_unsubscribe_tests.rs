//! SendMailing and unsubscribe: each email carries its recipient's link
//! when the server has a public address, and an address refused at RCPT
//! marks its recipient as bouncing.

use std::sync::{Arc, Mutex};

use super::send::{SendMailing, SendPolicy};
use super::send_tests::{delivery, fixed_clock, store_with_batch, t0, RUN};
use crate::domain::*;
use crate::ports::mailer::MockMailer;
use crate::ports::{MailError, ServerReply};

fn secret() -> UnsubscribeSecret {
    UnsubscribeSecret::parse(&"k".repeat(40)).expect("secret")
}

#[tokio::test]
async fn with_a_public_url_every_email_carries_its_recipients_own_unsubscribe_link() {
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let mut store = store_with_batch(
        vec![
            delivery(1, "a@example.com", 0),
            delivery(2, "b@example.com", 0),
        ],
        Arc::clone(&recorded),
    );
    store
        .expect_unsubscribe_secret()
        .times(1)
        .returning(|| Ok(secret()));
    let links = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&links);
    let mut mailer = MockMailer::new();
    mailer.expect_send().times(2).returning(move |e| {
        seen.lock()
            .expect("lock")
            .push((e.to.as_str().to_owned(), e.unsubscribe_url.clone()));
        Ok(ServerReply("250 ok".into()))
    });
    let policy = SendPolicy {
        public_url: Some(PublicUrl::parse("https://shop.example/").expect("url")),
        ..SendPolicy::default()
    };

    SendMailing::new(store, mailer, fixed_clock(), policy)
        .deliver(RUN, &|_| {})
        .await
        .expect("delivered");

    let mut links = links.lock().expect("lock").clone();
    links.sort();
    let link = |id| {
        Some(format!(
            "https://shop.example/u/{}",
            secret().token(RecipientId(id))
        ))
    };
    assert_eq!(
        links,
        vec![
            ("a@example.com".to_owned(), link(1)),
            ("b@example.com".to_owned(), link(2)),
        ]
    );
}

#[tokio::test]
async fn without_a_public_url_emails_carry_no_link_and_no_secret_is_read() {
    let mut store = store_with_batch(
        vec![delivery(1, "a@example.com", 0)],
        Arc::new(Mutex::new(Vec::new())),
    );
    store.expect_unsubscribe_secret().never();
    let mut mailer = MockMailer::new();
    mailer
        .expect_send()
        .withf(|e| e.unsubscribe_url.is_none())
        .times(1)
        .returning(|_| Ok(ServerReply("250 ok".into())));

    SendMailing::new(store, mailer, fixed_clock(), SendPolicy::default())
        .deliver(RUN, &|_| {})
        .await
        .expect("delivered");
}

#[tokio::test]
async fn an_address_refused_at_rcpt_marks_the_recipient_bouncing_with_the_reply_and_others_do_not()
{
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let mut store = store_with_batch(
        vec![
            delivery(1, "gone@example.com", 0),
            delivery(2, "full@example.com", 0),
        ],
        Arc::clone(&recorded),
    );
    store
        .expect_mark_bounced()
        .withf(|id, at, reply| {
            *id == RecipientId(1) && *at == t0() && reply == r"550 5.1.1 user unknown\u{7}"
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    let mut mailer = MockMailer::new();
    mailer
        .expect_send()
        .withf(|e| e.to.as_str() == "gone@example.com")
        .returning(|_| {
            Err(MailError::AddressRefused(
                "550 5.1.1 user unknown\u{7}".into(),
            ))
        });
    // A refused body says nothing against the address.
    mailer
        .expect_send()
        .withf(|e| e.to.as_str() == "full@example.com")
        .returning(|_| Err(MailError::Permanent("552 5.3.4 message too big".into())));

    SendMailing::new(store, mailer, fixed_clock(), SendPolicy::default())
        .deliver(RUN, &|_| {})
        .await
        .expect("delivered");

    let recorded = recorded.lock().expect("lock");
    assert_eq!(recorded.len(), 2);
    assert!(recorded
        .iter()
        .all(|r| r.status == AttemptStatus::Failure && r.next == NextStep::Done));
}
