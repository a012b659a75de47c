//! `/api/v1/messages` through the router.

mod support;

use axum::http::StatusCode;
use serde_json::json;
use support::Server;

#[tokio::test]
async fn message_is_created_shown_listed_edited_and_deleted() {
    let s = Server::new().await;
    let created = s
        .post(
            "/api/v1/messages",
            json!({"subject": "Новости недели", "body_text": "Здравствуйте!\nВот что нового."}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.json["id"].as_i64().expect("id");
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/messages/{id}").as_str())
    );
    let created_at = created.json["created_at"].as_str().expect("time");
    assert!(
        chrono::DateTime::parse_from_rfc3339(created_at).is_ok(),
        "{created_at}"
    );

    assert_eq!(
        s.get(&format!("/api/v1/messages/{id}")).await.json,
        created.json
    );
    assert_eq!(
        s.get("/api/v1/messages").await.json["items"],
        json!([created.json])
    );

    let edited = s
        .patch(
            &format!("/api/v1/messages/{id}"),
            json!({"subject": "Скидки"}),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK);
    assert_eq!(edited.json["subject"], "Скидки");
    assert_eq!(edited.json["body_text"], "Здравствуйте!\nВот что нового.");

    assert_eq!(
        s.delete(&format!("/api/v1/messages/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    s.get(&format!("/api/v1/messages/{id}"))
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn subject_with_a_line_break_is_422_naming_it() {
    let s = Server::new().await;
    let reply = s
        .post(
            "/api/v1/messages",
            json!({"subject": "Hello\r\nBcc: x@example.com", "body_text": "x"}),
        )
        .await;
    assert_eq!(
        reply
            .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid")
            .as_deref(),
        Some("subject")
    );
    let empty_body = s
        .post(
            "/api/v1/messages",
            json!({"subject": "Тема", "body_text": "  "}),
        )
        .await;
    assert_eq!(
        empty_body
            .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid")
            .as_deref(),
        Some("body_text")
    );
}

#[tokio::test]
async fn message_used_by_a_mailing_cannot_be_deleted_409() {
    let s = Server::new().await;
    let message = s.message("Тема").await;
    let r = s.recipient("a@example.com", "А").await;
    s.open_mailing(message, &[r]).await;
    s.delete(&format!("/api/v1/messages/{message}"))
        .await
        .error(StatusCode::CONFLICT, "in_use");
    assert_eq!(
        s.get(&format!("/api/v1/messages/{message}")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn unknown_message_is_404() {
    let s = Server::new().await;
    s.get("/api/v1/messages/42")
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
    s.patch("/api/v1/messages/42", json!({"subject": "x"}))
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
    s.delete("/api/v1/messages/42")
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn a_template_with_an_unknown_variable_is_422_naming_the_field_line_and_column() {
    let s = Server::new().await;
    let reply = s
        .post(
            "/api/v1/messages",
            json!({"subject": "Новости", "body_text": "Привет!\n{{ first_name }}"}),
        )
        .await;
    assert_eq!(
        reply
            .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid")
            .as_deref(),
        Some("body_text")
    );
    let said = reply.json["error"]["message"].as_str().unwrap_or_default();
    assert!(said.contains("line 2, column 4"), "{said}");
    assert!(said.contains("unknown variable `first_name`"), "{said}");
    assert_eq!(s.get("/api/v1/messages").await.json["items"], json!([]));

    let good = s
        .post(
            "/api/v1/messages",
            json!({"subject": "{{ full_name }}, новости", "body_text": "Привет, {{ full_name }}!"}),
        )
        .await;
    assert_eq!(good.status, StatusCode::CREATED, "{}", good.text);
}

#[tokio::test]
async fn a_preview_shows_the_email_a_recipient_would_get_and_a_test_goes_to_one_address_only() {
    let s = Server::new().await;
    let anna = s.recipient("anna@example.com", "Анна").await;
    let message = s
        .post(
            "/api/v1/messages",
            json!({"subject": "{{ full_name }}, новости", "body_text": "Здравствуйте, {{ full_name }}!"}),
        )
        .await
        .json["id"]
        .as_i64()
        .expect("id");

    let preview = s
        .post(
            &format!("/api/v1/messages/{message}/preview"),
            json!({"recipient_id": anna}),
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text);
    assert_eq!(preview.json["subject"], "Анна, новости");
    assert_eq!(preview.json["body_text"], "Здравствуйте, Анна!");
    assert_eq!(preview.json["to"], "anna@example.com");
    let raw = preview.json["raw"].as_str().expect("raw");
    assert!(raw.contains("\r\nSubject: =?utf-8?"), "{raw}");
    assert!(raw.contains("Message-ID: <postpilot.preview."), "{raw}");
    assert!(
        !s.outbox().exists() || std::fs::read_dir(s.outbox()).expect("outbox").count() == 0,
        "a preview sends nothing"
    );

    let sent = s
        .post(
            &format!("/api/v1/messages/{message}/test"),
            json!({"recipient_id": anna, "to": "me@shop.example"}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    assert_eq!(sent.json["to"], "me@shop.example");
    assert!(sent.json["reply"]
        .as_str()
        .expect("reply")
        .starts_with("250"));
    let emails: Vec<_> = std::fs::read_dir(s.outbox()).expect("outbox").collect();
    assert_eq!(emails.len(), 1);
    let stats = s.get("/api/v1/stats").await;
    assert_eq!(stats.json["attempts_success"], 0, "{}", stats.text);

    let bad = s
        .post(
            &format!("/api/v1/messages/{message}/test"),
            json!({"recipient_id": anna, "to": "not-an-address"}),
        )
        .await;
    assert_eq!(
        bad.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid")
            .as_deref(),
        Some("to")
    );
    let nobody = s
        .post(
            &format!("/api/v1/messages/{message}/preview"),
            json!({"recipient_id": 999}),
        )
        .await;
    assert_eq!(
        nobody
            .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid")
            .as_deref(),
        Some("recipient_id"),
        "an id in the body naming nothing is a bad field"
    );
    s.post(
        "/api/v1/messages/999/preview",
        json!({"recipient_id": anna}),
    )
    .await
    .error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn an_html_version_is_stored_shown_in_the_preview_escaped_and_removed_with_an_empty_string() {
    let s = Server::new().await;
    let r = s.recipient("anna@example.com", "<i>Анна</i>").await;
    let created = s
        .post(
            "/api/v1/messages",
            json!({"subject": "Новости", "body_text": "Привет, {{ full_name }}", "body_html": "<p>Привет, {{ full_name }}</p>"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.json["body_html"], "<p>Привет, {{ full_name }}</p>");
    let id = created.json["id"].as_i64().expect("id");
    let preview = s
        .post(
            &format!("/api/v1/messages/{id}/preview"),
            json!({"recipient_id": r}),
        )
        .await;
    assert_eq!(
        preview.json["body_html"],
        "<p>Привет, &lt;i&gt;Анна&lt;&#x2f;i&gt;</p>"
    );
    assert!(preview.json["raw"]
        .as_str()
        .expect("raw")
        .contains("multipart/alternative"));
    let kept = s
        .patch(
            &format!("/api/v1/messages/{id}"),
            json!({"subject": "Другая"}),
        )
        .await;
    assert_eq!(kept.json["body_html"], "<p>Привет, {{ full_name }}</p>");
    let removed = s
        .patch(&format!("/api/v1/messages/{id}"), json!({"body_html": ""}))
        .await;
    assert_eq!(removed.json["body_html"], serde_json::Value::Null);
    let bad = s
        .patch(
            &format!("/api/v1/messages/{id}"),
            json!({"body_html": "{{ name }}"}),
        )
        .await;
    assert_eq!(
        bad.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid")
            .as_deref(),
        Some("body_html")
    );
}
