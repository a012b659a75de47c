//! Disabling a mailing through the real router (ARCHITECTURE.md, "Users
//! and ownership"): a manager disables a user's mailing from the API or
//! the mailing page, the API and «Отправить сейчас» then refuse to send
//! it with the reason, a user's role may not disable, and enabling allows
//! sending again.

mod support;

use axum::http::{Method, StatusCode};
use postpilot_core::Role;
use serde_json::{json, Value};
use support::{Browser, Server};

/// Anna's (a user's) mailing to one recipient, open now: its id.
async fn annas_mailing(s: &Server, anna: &str) -> i64 {
    let r = s.recipient_as(anna, "ivan@example.com", "Иван").await;
    let m = s.message_as(anna, "Скидки").await;
    s.open_mailing_as(anna, m, &[r]).await
}

#[tokio::test]
async fn a_manager_disables_a_users_mailing_which_no_door_sends_until_it_is_enabled_again() {
    let s = Server::new().await;
    let anna = s.add_user("anna@example.com", Role::User).await;
    let anna = s.token_of(anna).await;
    let mia = s.add_user("mia@example.com", Role::Manager).await;
    let mia_id = mia.id.get();
    let mia = s.token_of(mia).await;
    let id = annas_mailing(&s, &anna).await;
    let path = |what: &str| format!("/api/v1/mailings/{id}/{what}");

    // A user's role may not, whosever the mailing: 403, nothing changes.
    let refused = s.api_as(&anna, Method::POST, &path("disable"), None).await;
    refused.error(StatusCode::FORBIDDEN, "forbidden");

    let disabled = s.api_as(&mia, Method::POST, &path("disable"), None).await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.text);
    assert!(disabled.json["disabled_at"].is_string());
    assert_eq!(disabled.json["disabled_by"], mia_id);
    let seen = s
        .api_as(&anna, Method::GET, &format!("/api/v1/mailings/{id}"), None)
        .await;
    assert_eq!(seen.json["disabled_at"], disabled.json["disabled_at"]);

    // Neither its owner nor the automation token can send it.
    for token in [anna.as_str(), support::TOKEN] {
        let send = s.api_as(token, Method::POST, &path("send"), None).await;
        send.error(StatusCode::CONFLICT, "mailing_disabled");
        let reason = send.json["error"]["message"].as_str().unwrap_or_default();
        assert!(reason.contains("is disabled by a manager"), "{reason}");
    }
    let runs = s.api_as(&anna, Method::GET, &path("runs"), None).await;
    assert_eq!(runs.json["items"], json!([]), "{}", runs.text);

    let enabled = s.api_as(&mia, Method::POST, &path("enable"), None).await;
    assert_eq!(enabled.status, StatusCode::OK, "{}", enabled.text);
    assert_eq!(enabled.json["disabled_at"], Value::Null);
    // Enabled, it is still not the manager's to send.
    let send = s.api_as(&mia, Method::POST, &path("send"), None).await;
    assert_eq!(send.status, StatusCode::NOT_FOUND, "{}", send.text);
    let send = s.api_as(&anna, Method::POST, &path("send"), None).await;
    assert_eq!(send.status, StatusCode::ACCEPTED, "{}", send.text);
    assert_eq!(s.wait_for_attempts(id, 1).await[0]["status"], "success");
}

#[tokio::test]
async fn disabling_an_unknown_mailing_is_not_found() {
    let s = Server::new().await;
    for what in ["disable", "enable"] {
        let r = s
            .api(Method::POST, &format!("/api/v1/mailings/999/{what}"), None)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    }
}

#[tokio::test]
async fn on_the_mailing_page_a_manager_disables_and_the_owner_sees_why_sending_is_refused() {
    let s = Server::new().await;
    let anna = s.add_user("anna@example.com", Role::User).await;
    let token = s.token_of(anna).await;
    s.add_user("mia@example.com", Role::Manager).await;
    let id = annas_mailing(&s, &token).await;
    let page = format!("/mailings/{id}");

    let owner = Browser::log_in_as(&s, "anna@example.com").await;
    let hers = owner.get(&page).await;
    assert!(
        !hers.text.contains("Отключить рассылку"),
        "a user is offered no such button"
    );
    let refused = owner.post(&format!("{page}/disable"), &[]).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);

    let manager = Browser::log_in_as(&s, "mia@example.com").await;
    let seen = manager.get(&page).await;
    assert!(seen.text.contains("Отключить рассылку"), "{}", seen.text);
    let done = manager.post(&format!("{page}/disable"), &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    let after = manager
        .get(done.header("location").expect("back to the page"))
        .await;
    assert!(after.text.contains("Рассылка отключена"), "{}", after.text);
    assert!(after.text.contains("Включить рассылку"));

    let hers = owner.get(&page).await;
    assert!(hers.text.contains("id=\"disabled\""), "{}", hers.text);
    assert!(
        hers.text.contains("mia@example.com"),
        "who disabled it is shown"
    );
    assert!(hers.text.contains("отключена"));
    let send = owner.post(&format!("{page}/send"), &[]).await;
    assert_eq!(send.status, StatusCode::CONFLICT);
    assert!(
        send.text.contains("Рассылка отключена менеджером"),
        "{}",
        send.text
    );
    let list = owner.get("/mailings").await;
    assert!(list.text.contains("badge disabled"), "{}", list.text);

    let done = manager.post(&format!("{page}/enable"), &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let send = owner.post(&format!("{page}/send"), &[]).await;
    assert_eq!(send.status, StatusCode::SEE_OTHER, "{}", send.text);
    assert_eq!(s.wait_for_attempts(id, 1).await.len(), 1);
}
