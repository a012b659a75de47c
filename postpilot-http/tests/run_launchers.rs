//! Who launched each run, through the real router (ARCHITECTURE.md, "Users
//! and ownership"): a user's API token records the user and the token,
//! named as it was even once revoked; a UI session records the user only;
//! the server's token neither. The API's run, the run's page and the
//! mailing page's runs table say so.

mod support;

use axum::http::{Method, StatusCode};
use postpilot_core::{Actor, Role, TokenName, User};
use serde_json::{json, Value};
use support::{Browser, Server};

/// A new API token named `name` of `user`'s: its key and its id.
async fn token_named(s: &Server, user: &User, name: &str) -> (String, i64) {
    let name = TokenName::parse(name).expect("valid");
    let (key, info) = s
        .uses()
        .accounts
        .add_token(&Actor::User(user.clone()), name)
        .await
        .expect("token");
    (key.expose().to_owned(), info.id.get())
}

/// A mailing of a new message to a new recipient, made with `key`.
async fn mailing_with(s: &Server, key: &str, email: &str) -> i64 {
    let made = |path: &'static str, body: Value| async move {
        let reply = s.api_as(key, Method::POST, path, Some(body)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        reply.json["id"].as_i64().expect("id")
    };
    let r = made(
        "/api/v1/recipients",
        json!({"email": email, "full_name": "Иван"}),
    )
    .await;
    let m = made(
        "/api/v1/messages",
        json!({"subject": "Скидки", "body_text": "Текст"}),
    )
    .await;
    made(
        "/api/v1/mailings",
        json!({"first_sent_at": "2020-01-01T00:00:00Z", "sent_completed_at": "2099-01-01T00:00:00Z",
               "message_id": m, "recipient_ids": [r]}),
    )
    .await
}

/// The newest run of `mailing`, as the server's token reads it.
async fn latest_run(s: &Server, mailing: i64) -> Value {
    let runs = s.get(&format!("/api/v1/mailings/{mailing}/runs")).await;
    assert_eq!(runs.status, StatusCode::OK, "{}", runs.text);
    runs.json["items"][0].clone()
}

#[tokio::test]
async fn a_run_launched_with_a_users_token_records_the_user_and_the_token_even_once_revoked() {
    let s = Server::new().await;
    let anna = s.add_user("anna@example.com", Role::User).await;
    let (key, token) = token_named(&s, &anna, "ci").await;
    let mailing = mailing_with(&s, &key, "ivan@example.com").await;

    let sent = s
        .api_as(
            &key,
            Method::POST,
            &format!("/api/v1/mailings/{mailing}/send"),
            None,
        )
        .await;
    assert_eq!(sent.status, StatusCode::ACCEPTED, "{}", sent.text);
    assert_eq!(sent.json["run"]["launched_by"], anna.id.get());
    assert_eq!(
        sent.json["run"]["launched_via_token"],
        json!({"id": token, "name": "ci"}),
        "{}",
        sent.text
    );
    s.wait_for_attempts(mailing, 1).await;

    s.uses()
        .accounts
        .revoke_token(&Actor::User(anna.clone()), postpilot_core::TokenId(token))
        .await
        .expect("revoked");
    let run = latest_run(&s, mailing).await;
    assert_eq!(run["launched_by"], anna.id.get());
    assert_eq!(
        run["launched_via_token"],
        json!({"id": token, "name": "ci"}),
        "still named once revoked: {run}"
    );

    let said = format!("anna@example.com через API-токен «ci» (№{token})");
    let b = Browser::log_in_as(&s, "anna@example.com").await;
    let page = b.get(&format!("/mailings/{mailing}")).await;
    assert!(page.text.contains(&said), "the runs table: {}", page.text);
    let run_page = b
        .get(&format!("/mailings/{mailing}/runs/{}", run["id"]))
        .await;
    assert_eq!(run_page.status, StatusCode::OK);
    assert!(
        run_page.text.contains(&said),
        "the run's page: {}",
        run_page.text
    );
}

#[tokio::test]
async fn a_run_launched_in_a_session_records_only_the_user_and_with_the_servers_token_neither() {
    let s = Server::new().await;
    let anna = s.add_user("anna@example.com", Role::User).await;
    let (key, _) = token_named(&s, &anna, "ci").await;
    let in_session = mailing_with(&s, &key, "ivan@example.com").await;
    let by_system = mailing_with(&s, &key, "olga@example.com").await;

    let b = Browser::log_in_as(&s, "anna@example.com").await;
    let sent = b
        .post(
            &format!("/mailings/{in_session}/send"),
            &[("selection", "everyone")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text);
    let run = latest_run(&s, in_session).await;
    assert_eq!(run["launched_by"], anna.id.get(), "{run}");
    assert!(run["launched_via_token"].is_null(), "{run}");

    let sent = s
        .post(&format!("/api/v1/mailings/{by_system}/send"), json!({}))
        .await;
    assert_eq!(sent.status, StatusCode::ACCEPTED, "{}", sent.text);
    assert!(sent.json["run"]["launched_by"].is_null(), "{}", sent.text);
    assert!(
        sent.json["run"]["launched_via_token"].is_null(),
        "{}",
        sent.text
    );

    let page = b.get(&format!("/mailings/{in_session}")).await;
    assert!(
        page.text.contains("anna@example.com") && !page.text.contains("через API-токен"),
        "{}",
        page.text
    );
    let page = b.get(&format!("/mailings/{by_system}")).await;
    assert!(page.text.contains("система ("), "{}", page.text);
}
