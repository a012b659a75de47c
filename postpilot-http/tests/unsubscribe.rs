//! The public one-click unsubscribe pages through the real router: GET
//! asks, POST unsubscribes (idempotent, any body, no login, no CSRF token),
//! forged tokens are 404s that reveal nothing, requests are rate-limited.

mod support;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use postpilot_core::domain::RecipientId;
use postpilot_core::ports::{InstanceRepository, SuppressionRepository};
use support::{Reply, Server};

async fn token(server: &Server, id: i64) -> String {
    server
        .store
        .unsubscribe_secret()
        .await
        .expect("secret")
        .token(RecipientId(id))
}

/// A request as a mail provider or a stranger's browser sends it: no
/// cookie, no token, from another site.
async fn public(server: &Server, method: Method, path: &str, body: &str) -> Reply {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .body(Body::from(body.to_owned()))
        .expect("request");
    server.send(request).await
}

async fn unsubscribed(server: &Server, id: i64) -> Option<chrono::DateTime<chrono::Utc>> {
    server
        .store
        .suppression(RecipientId(id))
        .await
        .expect("marks")
        .unsubscribed_at
}

#[tokio::test]
async fn get_shows_a_russian_confirmation_with_the_masked_address_and_unsubscribes_no_one() {
    let server = Server::new().await;
    let anna = server.recipient("anna@example.com", "Анна").await;
    server.recipient("boris@example.com", "Борис").await;
    let path = format!("/u/{}", token(&server, anna).await);

    let page = public(&server, Method::GET, &path, "").await;

    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("Отписаться"), "{}", page.text);
    assert!(page.text.contains("a***@example.com"), "{}", page.text);
    assert!(
        page.text.contains(r#"<form method="post">"#),
        "{}",
        page.text
    );
    for private in ["anna@", "Анна", "boris", "Борис", "/logout", "/recipients"] {
        assert!(
            !page.text.contains(private),
            "shows {private}: {}",
            page.text
        );
    }
    assert_eq!(
        unsubscribed(&server, anna).await,
        None,
        "a GET never unsubscribes"
    );
}

#[tokio::test]
async fn post_unsubscribes_at_once_without_login_whatever_the_body_and_again_changes_nothing() {
    let server = Server::new().await;
    let anna = server.recipient("anna@example.com", "Анна").await;
    let boris = server.recipient("boris@example.com", "Борис").await;
    let path = format!("/u/{}", token(&server, anna).await);

    let done = public(&server, Method::POST, &path, "List-Unsubscribe=One-Click").await;

    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert!(done.text.contains("Вы отписались"), "{}", done.text);
    let first = unsubscribed(&server, anna).await.expect("unsubscribed");
    assert_eq!(unsubscribed(&server, boris).await, None);
    for body in ["", "anything=at&all", "\u{0}\u{ff}"] {
        let again = public(&server, Method::POST, &path, body).await;
        assert_eq!(again.status, StatusCode::OK, "{body:?}: {}", again.text);
    }
    assert_eq!(
        unsubscribed(&server, anna).await,
        Some(first),
        "the first time is kept"
    );
    let page = public(&server, Method::GET, &path, "").await;
    assert!(page.text.contains("уже отписан"), "{}", page.text);
}

#[tokio::test]
async fn a_forged_altered_or_foreign_token_is_a_404_like_any_unknown_page() {
    let server = Server::new().await;
    let anna = server.recipient("anna@example.com", "Анна").await;
    let boris = server.recipient("boris@example.com", "Борис").await;
    let real = token(&server, anna).await;
    let (_, tag) = real.split_once('.').expect("id.mac");
    let other = Server::new().await;
    let foreign = token(&other, anna).await;
    let unknown_page = public(&server, Method::GET, "/no-such-page", "").await;
    let mut flipped = real.clone().into_bytes();
    let last = flipped.len() - 1;
    flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).expect("ascii");

    for bad in [
        format!("{boris}.{tag}"),
        flipped,
        foreign,
        "1".to_owned(),
        "x.y".to_owned(),
        "99999999999999999999.AAAA".to_owned(),
    ] {
        for method in [Method::GET, Method::POST] {
            let r = public(&server, method.clone(), &format!("/u/{bad}"), "").await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{method} {bad}");
            assert_eq!(
                r.text, unknown_page.text,
                "{method} {bad}: reveals nothing more"
            );
        }
    }
    assert_eq!(unsubscribed(&server, anna).await, None);
    assert_eq!(unsubscribed(&server, boris).await, None);
}

#[tokio::test]
async fn a_deleted_recipients_link_is_a_404() {
    let server = Server::new().await;
    let anna = server.recipient("anna@example.com", "Анна").await;
    let path = format!("/u/{}", token(&server, anna).await);
    let gone = server.delete(&format!("/api/v1/recipients/{anna}")).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.text);
    for method in [Method::GET, Method::POST] {
        let r = public(&server, method, &path, "").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn a_client_is_limited_to_30_requests_a_minute_and_told_when_to_come_back() {
    let server = Server::new().await;
    let anna = server.recipient("anna@example.com", "Анна").await;
    let path = format!("/u/{}", token(&server, anna).await);
    for i in 0..30 {
        let r = public(&server, Method::GET, &format!("/u/{i}.AAAA"), "").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
    let limited = public(&server, Method::POST, &path, "List-Unsubscribe=One-Click").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = limited
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(unsubscribed(&server, anna).await, None);
}

#[tokio::test]
async fn the_api_shows_the_marks_lists_the_suppressed_and_resubscribes() {
    let server = Server::new().await;
    let anna = server.recipient("anna@example.com", "Анна").await;
    let boris = server.recipient("boris@example.com", "Борис").await;
    let path = format!("/u/{}", token(&server, anna).await);
    public(&server, Method::POST, &path, "List-Unsubscribe=One-Click").await;
    server
        .store
        .mark_bounced(
            RecipientId(boris),
            chrono::Utc::now(),
            "550 5.1.1 user unknown",
        )
        .await
        .expect("bounced");

    let marks = server
        .get(&format!("/api/v1/recipients/{anna}/suppression"))
        .await;
    assert_eq!(marks.status, StatusCode::OK, "{}", marks.text);
    assert!(marks.json["unsubscribed_at"].is_string(), "{}", marks.text);
    assert_eq!(marks.json["bounced_at"], serde_json::Value::Null);
    let listed = server.get("/api/v1/suppressed").await;
    let items = listed.json["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "{}", listed.text);
    assert_eq!(items[1]["email"], "boris@example.com");
    assert_eq!(items[1]["bounce_reply"], "550 5.1.1 user unknown");

    for id in [anna, boris] {
        let done = server
            .post(
                &format!("/api/v1/recipients/{id}/resubscribe"),
                serde_json::json!({}),
            )
            .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        assert_eq!(done.json["unsubscribed_at"], serde_json::Value::Null);
    }
    let listed = server.get("/api/v1/suppressed").await;
    assert_eq!(listed.json["items"].as_array().map(Vec::len), Some(0));
    let unknown = server
        .post("/api/v1/recipients/999/resubscribe", serde_json::json!({}))
        .await;
    unknown.error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn a_run_launched_through_the_api_skips_the_unsubscribed_and_says_how_many() {
    let server = Server::new().await;
    let anna = server.recipient("anna@example.com", "Анна").await;
    let boris = server.recipient("boris@example.com", "Борис").await;
    let message = server.message("Новости").await;
    let mailing = server.open_mailing(message, &[anna, boris]).await;
    server
        .store
        .unsubscribe(RecipientId(anna), chrono::Utc::now())
        .await
        .expect("unsubscribed");

    let sent = server
        .post(
            &format!("/api/v1/mailings/{mailing}/send"),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(sent.status.as_u16() / 100, 2, "{}", sent.text);
    let attempts = server.wait_for_attempts(mailing, 1).await;
    assert_eq!(attempts[0]["email"], "boris@example.com");
    let runs = server
        .get(&format!("/api/v1/mailings/{mailing}/runs"))
        .await;
    let run = &runs.json["items"][0];
    assert_eq!(run["total"], 1, "{}", runs.text);
    assert_eq!(run["skipped_unsubscribed"], 1, "{}", runs.text);
    assert_eq!(run["skipped_bounced"], 0, "{}", runs.text);
}

#[tokio::test]
async fn the_operator_sees_who_unsubscribed_or_bounced_and_resubscribes_with_a_csrf_form() {
    let server = Server::new().await;
    let anna = server.recipient("anna@example.com", "Анна").await;
    let boris = server.recipient("boris@example.com", "Борис").await;
    server.recipient("vera@example.com", "Вера").await;
    server
        .store
        .unsubscribe(RecipientId(anna), chrono::Utc::now())
        .await
        .expect("unsubscribed");
    server
        .store
        .mark_bounced(
            RecipientId(boris),
            chrono::Utc::now(),
            "550 5.1.1 user unknown",
        )
        .await
        .expect("bounced");
    let browser = support::Browser::log_in(&server).await;

    let page = browser.get("/recipients/suppressed").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("anna@example.com"), "{}", page.text);
    assert!(
        page.text.contains("550 5.1.1 user unknown"),
        "{}",
        page.text
    );
    assert!(!page.text.contains("vera@"), "only the marked are listed");

    let forged = browser
        .post_raw(
            &format!("/recipients/{anna}/resubscribe"),
            &[("csrf", "wrong")],
            &[],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(
        unsubscribed(&server, anna).await.is_some(),
        "nothing changed"
    );

    let done = browser
        .post(&format!("/recipients/{anna}/resubscribe"), &[])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.header("location"), Some("/recipients/suppressed"));
    assert_eq!(unsubscribed(&server, anna).await, None);
    let page = browser.get("/recipients/suppressed").await;
    assert!(!page.text.contains("anna@example.com"), "{}", page.text);
    assert!(page.text.contains("boris@example.com"), "{}", page.text);
}

#[tokio::test]
async fn the_mailing_and_run_pages_say_whom_a_run_skipped_and_why() {
    let server = Server::new().await;
    let anna = server.recipient("anna@example.com", "Анна").await;
    let boris = server.recipient("boris@example.com", "Борис").await;
    let vera = server.recipient("vera@example.com", "Вера").await;
    let message = server.message("Новости").await;
    let mailing = server.open_mailing(message, &[anna, boris, vera]).await;
    server
        .store
        .unsubscribe(RecipientId(anna), chrono::Utc::now())
        .await
        .expect("unsubscribed");
    server
        .store
        .mark_bounced(
            RecipientId(boris),
            chrono::Utc::now(),
            "550 5.1.1 user unknown",
        )
        .await
        .expect("bounced");
    server
        .post(
            &format!("/api/v1/mailings/{mailing}/send"),
            serde_json::json!({}),
        )
        .await;
    server.wait_for_attempts(mailing, 1).await;
    let browser = support::Browser::log_in(&server).await;

    let expected = "Пропущено: 1\u{a0}отписавшийся, 1\u{a0}недоставляемый адрес";
    let page = browser.get(&format!("/mailings/{mailing}")).await;
    assert!(page.text.contains(expected), "{}", page.text);
    let run = server
        .get(&format!("/api/v1/mailings/{mailing}/runs"))
        .await;
    let run_id = run.json["items"][0]["id"].as_i64().expect("run id");
    let page = browser
        .get(&format!("/mailings/{mailing}/runs/{run_id}"))
        .await;
    assert!(page.text.contains(expected), "{}", page.text);
}
