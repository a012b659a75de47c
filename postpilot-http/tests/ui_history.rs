//! History stays true: each run keeps the subject and body it was launched
//! with, the mailing page and the run's page show them whatever edits came
//! later, and editing a message already sent says which mailings sent it.

mod support;

use axum::http::StatusCode;
use serde_json::json;
use support::{Browser, Server};

/// Sends the mailing through the API and waits until its run is finished.
async fn send_and_wait(s: &Server, mailing: i64) {
    let sent = s
        .post(&format!("/api/v1/mailings/{mailing}/send"), json!({}))
        .await;
    assert_eq!(sent.status, StatusCode::ACCEPTED, "{}", sent.text);
    for _ in 0..200 {
        let runs = s.get(&format!("/api/v1/mailings/{mailing}/runs")).await;
        if runs.json["items"]
            .as_array()
            .is_some_and(|r| r.iter().all(|r| r["finished_at"].is_string()))
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the run of mailing {mailing} never finished");
}

#[tokio::test]
async fn a_run_shows_the_subject_and_body_it_sent_though_the_message_was_edited_since() {
    let s = Server::new().await;
    s.state.start_sending();
    let created = s
        .post(
            "/api/v1/messages",
            json!({"subject": "Первая тема", "body_text": "Первый текст"}),
        )
        .await;
    let message = created.json["id"].as_i64().expect("id");
    let a = s.recipient("a@example.com", "Анна").await;
    let mailing = s.open_mailing(message, &[a]).await;
    send_and_wait(&s, mailing).await;
    let edited = s
        .patch(
            &format!("/api/v1/messages/{message}"),
            json!({"subject": "Новая тема", "body_text": "Новый текст"}),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK);

    let runs = s.get(&format!("/api/v1/mailings/{mailing}/runs")).await;
    assert_eq!(runs.json["items"][0]["subject"], "Первая тема");
    let run = runs.json["items"][0]["id"].as_i64().expect("run");

    let b = Browser::log_in(&s).await;
    let page = b.get(&format!("/mailings/{mailing}")).await;
    assert!(page.text.contains("Первая тема"), "{}", page.text);
    assert!(page
        .text
        .contains(&format!(r#"href="/mailings/{mailing}/runs/{run}""#)));
    let run_page = b.get(&format!("/mailings/{mailing}/runs/{run}")).await;
    assert_eq!(run_page.status, StatusCode::OK);
    assert!(run_page.text.contains("Первая тема"));
    assert!(run_page.text.contains("Первый текст"));
    assert!(!run_page.text.contains("Новый текст"));

    // The next run sends the message as it is now.
    send_and_wait(&s, mailing).await;
    let runs = s.get(&format!("/api/v1/mailings/{mailing}/runs")).await;
    assert_eq!(runs.json["items"][0]["subject"], "Новая тема");
    assert_eq!(runs.json["items"][1]["subject"], "Первая тема");

    let elsewhere = b.get(&format!("/mailings/{mailing}/runs/999")).await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    let not_a_run = b.get(&format!("/mailings/{mailing}/runs/x")).await;
    assert_eq!(not_a_run.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn editing_a_message_already_sent_names_the_mailings_that_sent_it() {
    let s = Server::new().await;
    s.state.start_sending();
    let sent = s.message("Отправленное").await;
    let unsent = s.message("Черновик").await;
    let a = s.recipient("a@example.com", "Анна").await;
    let mailing = s.open_mailing(sent, &[a]).await;
    s.open_mailing(unsent, &[a]).await;
    send_and_wait(&s, mailing).await;

    let b = Browser::log_in(&s).await;
    let form = b.get(&format!("/messages/{sent}/edit")).await;
    assert!(
        form.text
            .contains("Это сообщение уже отправлено в рассылке"),
        "{}",
        form.text
    );
    assert!(form
        .text
        .contains(&format!(r#"href="/mailings/{mailing}""#)));
    assert!(form
        .text
        .contains("Изменения коснутся только следующих отправок"));
    let draft = b.get(&format!("/messages/{unsent}/edit")).await;
    assert!(!draft.text.contains("уже отправлено"));
}
