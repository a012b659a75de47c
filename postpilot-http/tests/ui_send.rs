//! No accidental double send: the mailing form never offers a first send
//! time that fires on save, the mailing page says when the scheduler will
//! send, «Отправить сейчас» goes through a confirmation page that names the
//! counts, "only unsent" reaches only those not reached yet, and nothing can
//! be sent while a run is in progress. The same choice through the API.

mod support;

use std::time::Duration;

use axum::http::{Method, StatusCode};
use chrono::Utc;
use postpilot_core::domain::{AttemptStatus, Audience, DeliveryResult, NextStep, Trigger};
use postpilot_core::ports::{QueueRepository, RunRepository};
use postpilot_core::MailingId;
use serde_json::json;
use support::{Browser, Server};

/// The no-break space between a number's thousands and before its noun.
const NBSP: char = '\u{a0}';

/// The value of the input named `name` on a form page.
fn input_value(html: &str, name: &str) -> String {
    let at = html
        .find(&format!(r#"name="{name}""#))
        .unwrap_or_else(|| panic!("an input {name}"));
    let rest = &html[at..];
    let value = rest.find(r#"value=""#).expect("a value") + r#"value=""#.len();
    rest[value..value + rest[value..].find('"').expect("end")].to_owned()
}

/// The mailing's runs, through the API.
async fn runs(s: &Server, mailing: i64) -> Vec<serde_json::Value> {
    let r = s.get(&format!("/api/v1/mailings/{mailing}/runs")).await;
    r.json["items"].as_array().cloned().expect("runs")
}

/// Waits until every run of the mailing is finished.
async fn wait_until_finished(s: &Server, mailing: i64) {
    for _ in 0..200 {
        if runs(s, mailing)
            .await
            .iter()
            .all(|r| r["finished_at"].is_string())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("mailing {mailing} still has an unfinished run");
}

/// Emails in the server's outbox.
fn emails_in_outbox(s: &Server) -> usize {
    std::fs::read_dir(s.outbox()).map_or(0, Iterator::count)
}

/// A finished run of the mailing made straight in the store, without
/// sending: the first `delivered` of its recipients got the email, the
/// others were refused for good.
async fn finished_run_reaching_the_first(s: &Server, mailing: i64, delivered: usize) {
    let now = Utc::now();
    let id = MailingId(mailing);
    let run = s
        .store
        .launch_run(id, Trigger::Cli, Audience::Everyone, now)
        .await
        .expect("launched")
        .run;
    let claim = s
        .store
        .claim_deliveries(run.id, 1000, now, now + chrono::Duration::minutes(1))
        .await
        .expect("claimed");
    let results: Vec<DeliveryResult> = claim
        .deliveries
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let (status, response) = if i < delivered {
                (AttemptStatus::Success, "250 2.0.0 Ok")
            } else {
                (
                    AttemptStatus::Failure,
                    "permanent failure: 550 5.1.1 Mailbox unavailable",
                )
            };
            DeliveryResult {
                delivery_id: d.id,
                attempt_at: now,
                status,
                response: response.to_owned(),
                next: NextStep::Done,
            }
        })
        .collect();
    s.store
        .record_results(run.id, &claim.token, &results)
        .await
        .expect("recorded");
    let run = s.store.finish_run_if_done(run.id, now).await.expect("run");
    assert!(run.is_finished());
}

/// A run of the mailing left unfinished: launched, with no sender at work.
async fn unfinished_run(s: &Server, mailing: i64) {
    s.store
        .launch_run(
            MailingId(mailing),
            Trigger::Cli,
            Audience::Everyone,
            Utc::now(),
        )
        .await
        .expect("launched");
}

#[tokio::test]
async fn a_mailing_created_with_the_forms_defaults_is_not_sent_until_the_user_says_so() {
    let s = Server::with(|config| {
        config.schedule = true;
        config.poll = Duration::from_millis(20);
    })
    .await;
    s.state.start_sending();
    let message = s.message("Новости").await;
    let a = s.recipient("a@example.com", "Анна").await;
    let b = Browser::log_in(&s).await;

    let form = b.get("/mailings/new").await;
    let start = input_value(&form.text, "first_sent_at");
    let end = input_value(&form.text, "sent_completed_at");
    assert!(
        start.ends_with("T09:00"),
        "tomorrow morning, not now: {start}"
    );
    let (m, a) = (message.to_string(), a.to_string());
    let created = b
        .post(
            "/mailings",
            &[
                ("message_id", &m),
                ("first_sent_at", &start),
                ("sent_completed_at", &end),
                ("recipient_ids", &a),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text);
    let page_url = created.header("location").expect("to the page").to_owned();
    let id: i64 = page_url
        .trim_start_matches("/mailings/")
        .split('?')
        .next()
        .and_then(|id| id.parse().ok())
        .expect("id");

    // The scheduler looks every 20 ms: a second is fifty chances to send.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(runs(&s, id).await.is_empty(), "nothing was sent");
    assert_eq!(emails_in_outbox(&s), 0);
    let page = b.get(&page_url).await;
    assert!(page.text.contains("Создана"));
    assert!(
        page.text.contains("Будет отправлена автоматически"),
        "{}",
        page.text
    );
}

#[tokio::test]
async fn a_first_send_time_already_past_is_refused_with_the_reason_beside_it() {
    let s = Server::new().await;
    let message = s.message("Новости").await;
    let a = s.recipient("a@example.com", "Анна").await;
    let b = Browser::log_in(&s).await;
    let now = chrono::Local::now();
    let past = (now - chrono::Duration::minutes(5))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let end = (now + chrono::Duration::days(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let (m, a) = (message.to_string(), a.to_string());
    let refused = b
        .post(
            "/mailings",
            &[
                ("message_id", &m),
                ("first_sent_at", &past),
                ("sent_completed_at", &end),
                ("recipient_ids", &a),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains(r#"id="first_sent_at-error""#));
    assert!(refused.text.contains("уже прошло"), "{}", refused.text);
    let mailings = s.get("/api/v1/mailings").await;
    assert_eq!(mailings.json["items"], json!([]), "nothing was created");
}

#[tokio::test]
async fn a_mailing_page_says_when_the_scheduler_sends_it_and_when_it_was_sent() {
    let s = Server::with(|config| config.schedule = true).await;
    let message = s.message("Новости").await;
    let a = s.recipient("a@example.com", "Анна").await;
    let later = Utc::now() + chrono::Duration::days(2);
    let created = s
        .post(
            "/api/v1/mailings",
            json!({
                "message_id": message,
                "first_sent_at": later.to_rfc3339(),
                "sent_completed_at": (later + chrono::Duration::days(1)).to_rfc3339(),
                "recipient_ids": [a],
            }),
        )
        .await;
    let id = created.json["id"].as_i64().expect("id");
    let b = Browser::log_in(&s).await;
    let page = b.get(&format!("/mailings/{id}")).await;
    assert!(page.text.contains("Будет отправлена автоматически"));

    let due = s.open_mailing(message, &[a]).await;
    finished_run_reaching_the_first(&s, due, 1).await;
    let page = b.get(&format!("/mailings/{due}")).await;
    assert!(page.text.contains("Отправлена "), "{}", page.text);
    assert!(!page.text.contains("Будет отправлена"));
}

#[tokio::test]
async fn the_send_button_leads_to_a_confirmation_that_names_the_counts_and_sends_only_after_its_post(
) {
    let s = Server::new().await;
    let message = s.message("Новости").await;
    let a = s.recipient("a@example.com", "Анна").await;
    let c = s.recipient("c@example.com", "Борис").await;
    let id = s.open_mailing(message, &[a, c]).await;
    s.state.start_sending();
    let b = Browser::log_in(&s).await;

    let page = b.get(&format!("/mailings/{id}")).await;
    assert!(page
        .text
        .contains(&format!(r#"href="/mailings/{id}/send""#)));
    assert!(
        !page
            .text
            .contains(&format!(r#"action="/mailings/{id}/send""#)),
        "the mailing page itself cannot send"
    );

    let confirm = b.get(&format!("/mailings/{id}/send")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(
        confirm.text.contains(&format!(
            "Письмо получат <strong>2{NBSP}получателя</strong>"
        )),
        "{}",
        confirm.text
    );
    assert!(confirm.text.contains("Уже получили эту рассылку: 0."));
    assert!(confirm
        .text
        .contains(&format!(r#"action="/mailings/{id}/send""#)));
    assert!(confirm.text.contains(r#"name="csrf""#));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(runs(&s, id).await.is_empty(), "looking sends nothing");

    let sent = b
        .post(
            &format!("/mailings/{id}/send"),
            &[("selection", "everyone")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    assert_eq!(
        sent.header("location"),
        Some(format!("/mailings/{id}?notice=launched").as_str())
    );
    s.wait_for_attempts(id, 2).await;
    wait_until_finished(&s, id).await;
    assert_eq!(emails_in_outbox(&s), 2);

    let again = b.get(&format!("/mailings/{id}/send")).await;
    assert!(
        again.text.contains("Уже получили эту рассылку: 2."),
        "{}",
        again.text
    );
    assert!(again
        .text
        .contains(&format!("его получат <strong>0{NBSP}получателей</strong>")));
    assert!(again.text.contains(&format!(
        "письмо получат <strong>2{NBSP}получателя</strong>, из них 2 получат его повторно"
    )));
}

#[tokio::test]
async fn after_a_finished_run_only_unsent_goes_only_to_those_not_yet_reached() {
    let s = Server::new().await;
    let message = s.message("Новости").await;
    let reached = s.recipient("reached@example.com", "Анна").await;
    let refused = s.recipient("refused@example.com", "Борис").await;
    let id = s.open_mailing(message, &[reached, refused]).await;
    finished_run_reaching_the_first(&s, id, 1).await;
    s.state.start_sending();
    let b = Browser::log_in(&s).await;

    let confirm = b.get(&format!("/mailings/{id}/send")).await;
    assert!(confirm.text.contains("Уже получили эту рассылку: 1."));
    assert!(
        confirm
            .text
            .contains(&format!("его получат <strong>1{NBSP}получатель</strong>")),
        "{}",
        confirm.text
    );
    assert!(confirm.text.contains(r#"value="only_unsent""#));
    assert!(confirm.text.contains(r#"value="everyone""#));

    let sent = b
        .post(
            &format!("/mailings/{id}/send"),
            &[("selection", "only_unsent")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text);
    wait_until_finished(&s, id).await;
    let latest = &runs(&s, id).await[0];
    assert_eq!(latest["total"], 1);
    assert_eq!(latest["sent"], 1);
    assert_eq!(emails_in_outbox(&s), 1);
    let attempts = s.wait_for_attempts(id, 3).await;
    let last = attempts.last().expect("the new attempt");
    assert_eq!(last["email"], "refused@example.com");
    assert_eq!(last["status"], "success");

    let reached_all = b.get(&format!("/mailings/{id}/send")).await;
    assert!(reached_all.text.contains("Уже получили эту рассылку: 2."));
    assert!(reached_all
        .text
        .contains("Письмо доставлено всем получателям."));
}

#[tokio::test]
async fn while_a_run_is_in_progress_the_send_button_is_disabled_and_a_send_is_refused_with_409() {
    let s = Server::new().await;
    let message = s.message("Новости").await;
    let a = s.recipient("a@example.com", "Анна").await;
    let id = s.open_mailing(message, &[a]).await;
    unfinished_run(&s, id).await;
    let b = Browser::log_in(&s).await;

    let page = b.get(&format!("/mailings/{id}")).await;
    assert!(
        page.text
            .contains(r#"<button class="send" type="button" disabled>Отправить сейчас</button>"#),
        "{}",
        page.text
    );
    assert!(!page
        .text
        .contains(&format!(r#"href="/mailings/{id}/send""#)));

    let confirm = b.get(&format!("/mailings/{id}/send")).await;
    assert!(confirm.text.contains("Рассылка уже отправляется"));
    assert!(!confirm
        .text
        .contains(&format!(r#"action="/mailings/{id}/send""#)));

    let refused = b
        .post(
            &format!("/mailings/{id}/send"),
            &[("selection", "everyone")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.text.contains("Рассылка уже отправляется"));
    assert_eq!(runs(&s, id).await.len(), 1, "no second run");
}

#[tokio::test]
async fn a_send_naming_no_known_choice_is_refused_and_sends_nothing() {
    let s = Server::new().await;
    let message = s.message("Новости").await;
    let a = s.recipient("a@example.com", "Анна").await;
    let id = s.open_mailing(message, &[a]).await;
    let b = Browser::log_in(&s).await;
    let refused = b
        .post(&format!("/mailings/{id}/send"), &[("selection", "all")])
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(runs(&s, id).await.is_empty());
}

#[tokio::test]
async fn the_api_sends_only_to_the_unsent_when_asked_and_to_everyone_without_a_body() {
    let s = Server::new().await;
    let message = s.message("Новости").await;
    let reached = s.recipient("reached@example.com", "Анна").await;
    let refused = s.recipient("refused@example.com", "Борис").await;
    let id = s.open_mailing(message, &[reached, refused]).await;
    finished_run_reaching_the_first(&s, id, 1).await;
    s.state.start_sending();
    let send = format!("/api/v1/mailings/{id}/send");

    let wrong = s.post(&send, json!({"only_unsent": "yes"})).await;
    assert_eq!(
        wrong
            .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid")
            .as_deref(),
        Some("only_unsent")
    );
    let unknown = s.post(&send, json!({"only": true})).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    let not_json = s
        .api_raw(Method::POST, &send, Some("text/plain"), "only_unsent")
        .await;
    assert_eq!(not_json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(runs(&s, id).await.len(), 1, "refusals launch nothing");

    let only = s.post(&send, json!({"only_unsent": true})).await;
    assert_eq!(only.status, StatusCode::ACCEPTED, "{}", only.text);
    assert_eq!(only.json["run"]["total"], 1);
    wait_until_finished(&s, id).await;
    assert_eq!(emails_in_outbox(&s), 1);

    let everyone = s.api(Method::POST, &send, None).await;
    assert_eq!(everyone.status, StatusCode::ACCEPTED, "{}", everyone.text);
    assert_eq!(everyone.json["run"]["total"], 2);
    wait_until_finished(&s, id).await;
    let empty_object = s.post(&send, json!({})).await;
    assert_eq!(empty_object.json["run"]["total"], 2);
    wait_until_finished(&s, id).await;
    let null = s.post(&send, json!(null)).await;
    assert_eq!(null.json["run"]["total"], 2, "{}", null.text);
    wait_until_finished(&s, id).await;
    assert_eq!(emails_in_outbox(&s), 7);
}

#[tokio::test]
async fn moving_a_never_sent_mailings_start_into_the_past_is_refused_but_saving_it_as_shown_is_not()
{
    let s = Server::new().await;
    let message = s.message("Новости").await;
    let a = s.recipient("a@example.com", "Анна").await;
    let id = s.open_mailing(message, &[a]).await;
    let b = Browser::log_in(&s).await;
    let form = b.get(&format!("/mailings/{id}/edit")).await;
    let start = input_value(&form.text, "first_sent_at");
    let end = input_value(&form.text, "sent_completed_at");
    let m = message.to_string();

    let earlier = (chrono::Local::now() - chrono::Duration::days(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let moved = b
        .post(
            &format!("/mailings/{id}"),
            &[
                ("message_id", &m),
                ("first_sent_at", &earlier),
                ("sent_completed_at", &end),
            ],
        )
        .await;
    assert_eq!(moved.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(moved.text.contains("уже прошло"));

    let as_shown = b
        .post(
            &format!("/mailings/{id}"),
            &[
                ("message_id", &m),
                ("first_sent_at", &start),
                ("sent_completed_at", &end),
            ],
        )
        .await;
    assert_eq!(as_shown.status, StatusCode::SEE_OTHER, "{}", as_shown.text);
}
