//! The store contract: backend-independent tests of every repository port.
//!
//! Each test is a `pub async fn name<S: Store + Clone + 'static>(store: S)`
//! taking a fresh, empty store; each backend's test file instantiates all of
//! them (see `tests/sqlite.rs`).

// Each test file that includes this module uses only part of it.
#![allow(dead_code, unused_imports)]

mod delivery;
mod mailings;
mod messages;
mod recipients;
mod stats;

pub use delivery::*;
pub use mailings::*;
pub use messages::*;
pub use recipients::*;
pub use stats::*;

use chrono::{DateTime, Duration, TimeZone, Utc};
use postpilot_core::domain::{
    AttemptStatus, BodyText, Comment, Delivery, DeliveryResult, EmailAddress, FullName, Mailing,
    MessageId, NewMailing, NewMessage, NewRecipient, NextStep, RecipientId, RecipientIds, Subject,
    Window,
};
use postpilot_core::ports::{Entity, Store, StoreError};

/// A fixed instant plus `minutes`: tests never read the real clock.
pub fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0)
        .single()
        .expect("valid time")
        + Duration::minutes(minutes)
}

pub fn email(text: &str) -> EmailAddress {
    EmailAddress::parse(text).expect("valid email")
}

pub fn recipient(address: &str) -> NewRecipient {
    NewRecipient {
        email: email(address),
        full_name: FullName::parse(&format!("Получатель {address}")).expect("valid name"),
        comment: Comment::default(),
    }
}

pub fn message(subject: &str) -> NewMessage {
    NewMessage {
        subject: Subject::parse(subject).expect("valid subject"),
        body_text: BodyText::parse("Здравствуйте!\nСкидки недели.").expect("valid body"),
    }
}

/// The window of every test mailing: minute 0 to minute 120.
pub fn window() -> Window {
    Window::new(at(0), at(120)).expect("valid window")
}

pub fn ids(recipients: &[RecipientId]) -> RecipientIds {
    RecipientIds::new(recipients.to_vec()).expect("distinct ids")
}

pub fn new_mailing(message: MessageId, recipients: &[RecipientId]) -> NewMailing {
    NewMailing {
        window: window(),
        message_id: message,
        recipient_ids: ids(recipients),
    }
}

/// Stores `n` recipients `r0@example.com`, `r1@example.com`, ...
pub async fn add_recipients<S: Store>(store: &S, n: usize) -> Vec<RecipientId> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let stored = store
            .insert_recipient(&recipient(&format!("r{i}@example.com")))
            .await
            .expect("recipient stored");
        ids.push(stored.id);
    }
    ids
}

pub async fn add_message<S: Store>(store: &S) -> MessageId {
    store
        .insert_message(&message("Скидки недели"), at(-60))
        .await
        .expect("message stored")
        .id
}

/// A mailing of a new message to `n` new recipients.
pub async fn add_mailing<S: Store>(store: &S, n: usize) -> (Mailing, Vec<RecipientId>) {
    let recipients = add_recipients(store, n).await;
    let message = add_message(store).await;
    let mailing = store
        .insert_mailing(&new_mailing(message, &recipients))
        .await
        .expect("mailing stored");
    (mailing, recipients)
}

pub fn result(
    delivery: &Delivery,
    status: AttemptStatus,
    next: NextStep,
    when: DateTime<Utc>,
) -> DeliveryResult {
    DeliveryResult {
        delivery_id: delivery.id,
        attempt_at: when,
        status,
        response: match status {
            AttemptStatus::Success => "250 2.0.0 Ok: queued".to_owned(),
            AttemptStatus::Failure => "451 4.7.1 Try again later".to_owned(),
        },
        next,
    }
}

pub fn sent(delivery: &Delivery, when: DateTime<Utc>) -> DeliveryResult {
    result(delivery, AttemptStatus::Success, NextStep::Done, when)
}

pub fn failed(delivery: &Delivery, when: DateTime<Utc>) -> DeliveryResult {
    result(delivery, AttemptStatus::Failure, NextStep::Done, when)
}

pub fn retry(delivery: &Delivery, when: DateTime<Utc>, again: DateTime<Utc>) -> DeliveryResult {
    result(
        delivery,
        AttemptStatus::Failure,
        NextStep::RetryAt(again),
        when,
    )
}

#[track_caller]
pub fn assert_not_found<T: std::fmt::Debug>(
    outcome: Result<T, StoreError>,
    entity: Entity,
    id: i64,
) {
    match outcome {
        Err(StoreError::NotFound { entity: e, id: i }) if e == entity && i == id => {}
        other => panic!("expected {entity} {id} not found, got {other:?}"),
    }
}
