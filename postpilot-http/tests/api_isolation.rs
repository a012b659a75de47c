//! Two users' data never mix through the real router: every object of one
//! is not found to the other (404, never 403), absent from the other's
//! lists, counts and attempts; a manager sees both and changes neither; the
//! configured token (the system) sees everything.

mod support;

use axum::http::{Method, StatusCode};
use postpilot_core::Role;
use serde_json::json;
use support::Server;

async fn token_of(s: &Server, email: &str, role: Role) -> String {
    let user = s.add_user(email, role).await;
    s.token_of(user).await
}

/// Anna's recipient, message and mailing (sent once), by id.
async fn annas_world(s: &Server, anna: &str) -> (i64, i64, i64) {
    let r = s.recipient_as(anna, "ivan@example.com", "Иван").await;
    let m = s.message_as(anna, "Скидки").await;
    let id = s.open_mailing_as(anna, m, &[r]).await;
    let sent = s
        .api_as(
            anna,
            Method::POST,
            &format!("/api/v1/mailings/{id}/send"),
            None,
        )
        .await;
    assert_eq!(sent.status, StatusCode::ACCEPTED, "{}", sent.text);
    s.wait_for_attempts(id, 1).await;
    (r, m, id)
}

#[tokio::test]
async fn another_users_objects_are_not_found_and_absent_from_every_list_and_count() {
    let s = Server::new().await;
    let anna = token_of(&s, "anna@example.com", Role::User).await;
    let boris = token_of(&s, "boris@example.com", Role::User).await;
    let (r, m, mailing) = annas_world(&s, &anna).await;

    for path in [
        format!("/api/v1/recipients/{r}"),
        format!("/api/v1/messages/{m}"),
        format!("/api/v1/mailings/{mailing}"),
        format!("/api/v1/mailings/{mailing}/runs"),
        format!("/api/v1/mailings/{mailing}/attempts"),
        format!("/api/v1/mailings/{mailing}/recipients"),
    ] {
        let reply = s.api_as(&boris, Method::GET, &path, None).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            reply.text
        );
        assert_eq!(
            s.api_as(&anna, Method::GET, &path, None).await.status,
            StatusCode::OK,
            "{path}"
        );
    }
    let list = s
        .api_as(
            &anna,
            Method::POST,
            "/api/v1/lists",
            Some(json!({"name": "VIP"})),
        )
        .await;
    assert_eq!(list.status, StatusCode::CREATED, "{}", list.text);
    let list = list.json["id"].as_i64().expect("id");
    for path in [
        format!("/api/v1/lists/{list}"),
        format!("/api/v1/lists/{list}/members"),
        format!("/api/v1/recipients/{r}/suppression"),
    ] {
        let reply = s.api_as(&boris, Method::GET, &path, None).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            reply.text
        );
    }
    let lists = s.api_as(&boris, Method::GET, "/api/v1/lists", None).await;
    assert_eq!(
        lists.json["items"].as_array().map(Vec::len),
        Some(0),
        "{}",
        lists.text
    );
    let taken = s
        .api_as(
            &boris,
            Method::POST,
            &format!("/api/v1/lists/{list}/members"),
            Some(json!({"all": true})),
        )
        .await;
    assert_eq!(taken.status, StatusCode::NOT_FOUND, "{}", taken.text);
    let resubscribed = s
        .api_as(
            &boris,
            Method::POST,
            &format!("/api/v1/recipients/{r}/resubscribe"),
            None,
        )
        .await;
    assert_eq!(
        resubscribed.status,
        StatusCode::NOT_FOUND,
        "{}",
        resubscribed.text
    );
    let borrowed = s
        .api_as(
            &boris,
            Method::POST,
            "/api/v1/mailings",
            Some(json!({
        "first_sent_at": "2020-01-01T00:00:00Z", "sent_completed_at": "2099-01-01T00:00:00Z",
        "message_id": m, "recipient_ids": []})),
        )
        .await;
    // As for a message that never existed: nothing tells it exists.
    assert_eq!(
        borrowed.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        borrowed.text
    );
    assert_eq!(borrowed.json["error"]["field"], "message_id");
    assert_eq!(
        borrowed.json["error"]["message"],
        format!("message_id: message {m} not found")
    );
    for (method, path, body) in [
        (
            Method::PATCH,
            format!("/api/v1/recipients/{r}"),
            Some(json!({"full_name": "Взлом"})),
        ),
        (Method::DELETE, format!("/api/v1/recipients/{r}"), None),
        (Method::DELETE, format!("/api/v1/messages/{m}"), None),
        (
            Method::POST,
            format!("/api/v1/mailings/{mailing}/send"),
            None,
        ),
    ] {
        let reply = s.api_as(&boris, method.clone(), &path, body).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{method} {path}: {}",
            reply.text
        );
    }
    for path in ["/api/v1/recipients", "/api/v1/messages", "/api/v1/mailings"] {
        let theirs = s.api_as(&boris, Method::GET, path, None).await;
        assert_eq!(
            theirs.json["items"].as_array().map(Vec::len),
            Some(0),
            "{path}: {}",
            theirs.text
        );
    }
    let stats = s.api_as(&boris, Method::GET, "/api/v1/stats", None).await;
    assert_eq!(stats.json["mailings_total"], 0, "{}", stats.text);
    assert_eq!(stats.json["recipients_total"], 0);
    let me = s.api_as(&anna, Method::GET, "/api/v1/me", None).await;
    let runs = s
        .api_as(
            &anna,
            Method::GET,
            &format!("/api/v1/mailings/{mailing}/runs"),
            None,
        )
        .await;
    assert_eq!(
        runs.json["items"][0]["launched_by"], me.json["user"]["id"],
        "{}",
        runs.text
    );
    let own = s.api_as(&anna, Method::GET, "/api/v1/stats", None).await;
    assert_eq!(own.json["mailings_total"], 1, "{}", own.text);

    // Boris may have a recipient with Anna's address: uniqueness is per owner.
    let same = s
        .api_as(
            &boris,
            Method::POST,
            "/api/v1/recipients",
            Some(json!({"email": "IVAN@example.com", "full_name": "Иван у Бориса"})),
        )
        .await;
    assert_eq!(same.status, StatusCode::CREATED, "{}", same.text);
    let name = s
        .api_as(&anna, Method::GET, &format!("/api/v1/recipients/{r}"), None)
        .await;
    assert_eq!(name.json["full_name"], "Иван", "Anna's is untouched");
}

#[tokio::test]
async fn a_manager_sees_everyones_data_and_changes_none_of_it_and_the_system_sees_all() {
    let s = Server::new().await;
    let anna = token_of(&s, "anna@example.com", Role::User).await;
    let manager = token_of(&s, "manager@example.com", Role::Manager).await;
    let (r, _, mailing) = annas_world(&s, &anna).await;

    let seen = s
        .api_as(
            &manager,
            Method::GET,
            &format!("/api/v1/mailings/{mailing}/attempts"),
            None,
        )
        .await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.text);
    assert_eq!(seen.json["items"].as_array().map(Vec::len), Some(1));
    let listed = s
        .api_as(&manager, Method::GET, "/api/v1/recipients", None)
        .await;
    assert_eq!(listed.json["items"].as_array().map(Vec::len), Some(1));
    for (method, path, body) in [
        (
            Method::PATCH,
            format!("/api/v1/recipients/{r}"),
            Some(json!({"full_name": "Правка"})),
        ),
        (Method::DELETE, format!("/api/v1/mailings/{mailing}"), None),
        (
            Method::POST,
            format!("/api/v1/mailings/{mailing}/send"),
            None,
        ),
    ] {
        let reply = s.api_as(&manager, method.clone(), &path, body).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{method} {path}: {}",
            reply.text
        );
    }
    let by_system = s
        .post(&format!("/api/v1/mailings/{mailing}/send"), json!({}))
        .await;
    assert_eq!(by_system.status, StatusCode::ACCEPTED, "{}", by_system.text);
    assert!(
        by_system.json["run"]["launched_by"].is_null(),
        "{}",
        by_system.text
    );
    let system = s.get("/api/v1/stats").await;
    assert_eq!(system.json["mailings_total"], 1, "{}", system.text);
}
