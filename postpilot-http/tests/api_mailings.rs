//! `/api/v1/mailings`: CRUD, sending (202, delivered in the background),
//! runs, attempts and statistics, through the router.

mod support;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use serde_json::json;
use support::Server;

#[tokio::test]
async fn mailing_is_created_with_its_recipients_shown_edited_and_deleted() {
    let s = Server::new().await;
    let message = s.message("Новости").await;
    let a = s.recipient("a@example.com", "А").await;
    let b = s.recipient("b@example.com", "Б").await;
    let start = Utc::now() + Duration::hours(1);
    let created = s
        .post(
            "/api/v1/mailings",
            json!({
                "message_id": message,
                "first_sent_at": start.to_rfc3339(),
                "sent_completed_at": (start + Duration::days(1)).to_rfc3339(),
                "recipient_ids": [a, b],
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.json["id"].as_i64().expect("id");
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/mailings/{id}").as_str())
    );
    assert_eq!(created.json["status"], "created");
    assert_eq!(created.json["message_id"], message);
    assert_eq!(created.json["recipient_ids"], json!([a, b]));
    assert_eq!(created.json["recipient_count"], 2);

    assert_eq!(
        s.get(&format!("/api/v1/mailings/{id}")).await.json,
        created.json
    );
    let listed = s.get("/api/v1/mailings").await;
    assert_eq!(listed.json["items"][0]["id"], id);
    assert_eq!(listed.json["items"][0]["recipient_count"], 2);

    let edited = s
        .patch(
            &format!("/api/v1/mailings/{id}"),
            json!({"recipient_ids": [b]}),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    assert_eq!(edited.json["recipient_ids"], json!([b]));
    assert_eq!(edited.json["first_sent_at"], created.json["first_sent_at"]);

    assert_eq!(
        s.delete(&format!("/api/v1/mailings/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    s.get(&format!("/api/v1/mailings/{id}"))
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn unknown_message_or_recipient_in_a_new_mailing_is_422_naming_the_field() {
    let s = Server::new().await;
    let message = s.message("Тема").await;
    let a = s.recipient("a@example.com", "А").await;
    let now = Utc::now();
    let body = |message_id: i64, ids: Vec<i64>| {
        json!({
            "message_id": message_id,
            "first_sent_at": now.to_rfc3339(),
            "sent_completed_at": (now + Duration::days(1)).to_rfc3339(),
            "recipient_ids": ids,
        })
    };
    let cases = [
        (body(999, vec![a]), "message_id"),
        (body(message, vec![a, 999]), "recipient_ids"),
        (body(message, vec![a, a]), "recipient_ids"),
    ];
    for (body, field) in cases {
        let reply = s.post("/api/v1/mailings", body).await;
        assert_eq!(
            reply
                .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid")
                .as_deref(),
            Some(field)
        );
    }
    assert_eq!(s.get("/api/v1/mailings").await.json["items"], json!([]));
}

#[tokio::test]
async fn window_ending_before_it_starts_or_a_bad_time_is_422_naming_the_field() {
    let s = Server::new().await;
    let message = s.message("Тема").await;
    let now = Utc::now();
    let backwards = s
        .post(
            "/api/v1/mailings",
            json!({
                "message_id": message,
                "first_sent_at": now.to_rfc3339(),
                "sent_completed_at": (now - Duration::hours(1)).to_rfc3339(),
                "recipient_ids": [],
            }),
        )
        .await;
    assert_eq!(
        backwards
            .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid")
            .as_deref(),
        Some("sent_completed_at")
    );
    let not_a_time = s
        .post(
            "/api/v1/mailings",
            json!({
                "message_id": message,
                "first_sent_at": "tomorrow morning",
                "sent_completed_at": now.to_rfc3339(),
                "recipient_ids": [],
            }),
        )
        .await;
    assert_eq!(
        not_a_time
            .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid")
            .as_deref(),
        Some("first_sent_at")
    );
}

#[tokio::test]
async fn sending_answers_202_with_the_run_and_delivers_in_the_background() {
    let s = Server::new().await;
    let message = s.message("Новости").await;
    let a = s.recipient("a@example.com", "А").await;
    let b = s.recipient("b@example.com", "Б").await;
    let id = s.open_mailing(message, &[a, b]).await;

    let sent = s
        .post(&format!("/api/v1/mailings/{id}/send"), json!({}))
        .await;
    assert_eq!(sent.status, StatusCode::ACCEPTED, "{}", sent.text);
    let run = &sent.json["run"];
    assert_eq!(run["mailing_id"], id);
    assert_eq!(run["trigger"], "api");
    assert_eq!(run["total"], 2);
    assert_eq!(sent.json["resumed"], false);
    let run_id = run["id"].as_i64().expect("run id");
    assert_eq!(
        sent.header("location"),
        Some(format!("/api/v1/mailings/{id}/runs/{run_id}").as_str())
    );

    let attempts = s.wait_for_attempts(id, 2).await;
    for attempt in &attempts {
        assert_eq!(attempt["status"], "success");
        assert_eq!(attempt["mailing_id"], id);
        assert_eq!(attempt["run_id"], run_id);
        assert!(attempt["response"].as_str().is_some_and(|r| !r.is_empty()));
        assert!(attempt["attempt_at"].is_string());
    }
    let mut emails: Vec<_> = attempts
        .iter()
        .filter_map(|a| a["email"].as_str())
        .collect();
    emails.sort_unstable();
    assert_eq!(emails, ["a@example.com", "b@example.com"]);
    let files = std::fs::read_dir(s.outbox()).expect("outbox").count();
    assert_eq!(files, 2, "one email per recipient");

    // The run is finished right after its last attempt is recorded.
    let mut finished = json!(null);
    for _ in 0..100 {
        finished = s
            .get(&format!("/api/v1/mailings/{id}/runs/{run_id}"))
            .await
            .json;
        if finished["finished_at"].is_string() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        (&finished["sent"], &finished["failed"], &finished["pending"]),
        (&json!(2), &json!(0), &json!(0)),
        "{finished}"
    );
    let mailing = s.get(&format!("/api/v1/mailings/{id}")).await;
    assert_eq!(mailing.json["status"], "running");

    let stats = s.get("/api/v1/stats").await;
    assert_eq!(stats.status, StatusCode::OK);
    assert_eq!(stats.json["mailings_total"], 1);
    assert_eq!(stats.json["mailings_active"], 1);
    assert_eq!(stats.json["unique_recipients"], 2);
    assert_eq!(stats.json["attempts_success"], 2);
}

#[tokio::test]
async fn sending_a_completed_mailing_is_409_and_sends_nothing() {
    let s = Server::new().await;
    let message = s.message("Вчерашние новости").await;
    let a = s.recipient("a@example.com", "А").await;
    let now = Utc::now();
    let past = s
        .post(
            "/api/v1/mailings",
            json!({
                "message_id": message,
                "first_sent_at": (now - Duration::days(2)).to_rfc3339(),
                "sent_completed_at": (now - Duration::days(1)).to_rfc3339(),
                "recipient_ids": [a],
            }),
        )
        .await;
    assert_eq!(past.json["status"], "completed");
    let id = past.json["id"].as_i64().expect("id");
    s.post(&format!("/api/v1/mailings/{id}/send"), json!({}))
        .await
        .error(StatusCode::CONFLICT, "mailing_completed");
    let runs = s.get(&format!("/api/v1/mailings/{id}/runs")).await;
    assert_eq!(runs.json["items"], json!([]));
}

#[tokio::test]
async fn unknown_mailing_is_404_for_every_mailing_route() {
    let s = Server::new().await;
    for reply in [
        s.get("/api/v1/mailings/77").await,
        s.patch("/api/v1/mailings/77", json!({"recipient_ids": []}))
            .await,
        s.delete("/api/v1/mailings/77").await,
        s.post("/api/v1/mailings/77/send", json!({})).await,
        s.get("/api/v1/mailings/77/runs").await,
        s.get("/api/v1/mailings/77/runs/1").await,
        s.get("/api/v1/mailings/77/attempts").await,
    ] {
        reply.error(StatusCode::NOT_FOUND, "not_found");
    }
}

#[tokio::test]
async fn runs_and_attempts_are_paginated() {
    let s = Server::new().await;
    let message = s.message("Новости").await;
    let mut ids = vec![];
    for i in 0..3 {
        ids.push(s.recipient(&format!("r{i}@example.com"), "Р").await);
    }
    let id = s.open_mailing(message, &ids).await;
    s.post(&format!("/api/v1/mailings/{id}/send"), json!({}))
        .await;
    s.wait_for_attempts(id, 3).await;

    let all = s.get(&format!("/api/v1/mailings/{id}/attempts")).await;
    let page = s
        .get(&format!("/api/v1/mailings/{id}/attempts?offset=1&limit=1"))
        .await;
    assert_eq!(page.json["items"], json!([all.json["items"][1]]));
    assert_eq!(page.json["next_offset"], 2);

    let runs = s.get(&format!("/api/v1/mailings/{id}/runs?limit=1")).await;
    assert_eq!(runs.json["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(runs.json["items"][0]["total"], 3);
    let beyond = s.get(&format!("/api/v1/mailings/{id}/runs?offset=5")).await;
    assert_eq!(beyond.json["items"], json!([]));
    s.get(&format!("/api/v1/mailings/{id}/attempts?limit=x"))
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
}

/// JSON Schema counts `1.0` and `2e0` as integers, so the API takes them
/// as the ids 1 and 2 (the OpenAPI document says `integer`).
#[tokio::test]
async fn ids_in_a_body_may_be_spelled_with_a_fraction_or_an_exponent() {
    let s = Server::new().await;
    let message = s.message("Новости").await;
    let a = s.recipient("a@example.com", "А").await;
    let b = s.recipient("b@example.com", "Б").await;
    assert_eq!((message, a, b), (1, 1, 2));
    let body = r#"{"message_id": 1.0, "first_sent_at": "2030-01-01T09:00:00Z",
                   "sent_completed_at": "2030-01-02T09:00:00Z", "recipient_ids": [1.0, 2e0]}"#;
    let created = s
        .api_raw(
            axum::http::Method::POST,
            "/api/v1/mailings",
            Some("application/json"),
            body,
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.json["message_id"], 1);
    assert_eq!(created.json["recipient_ids"], json!([1, 2]));
    let edited = s
        .api_raw(
            axum::http::Method::PATCH,
            "/api/v1/mailings/1",
            Some("application/json"),
            r#"{"recipient_ids": [20e-1]}"#,
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    assert_eq!(edited.json["recipient_ids"], json!([2]));
}
