//! `/api/v1/me`, `/users` and `/tokens` through the real router: who the
//! API answers as, who may list, add, block and promote users, and a
//! user's tokens shown once, listed and revoked.

mod support;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};
use support::{Reply, Server};

const PASSWORD: &str = "correct horse battery";

async fn as_token(
    s: &Server,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Reply {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    let body = match body {
        Some(v) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    s.send(request.body(body).expect("request")).await
}

async fn add_user(s: &Server, email: &str, role: &str) -> i64 {
    let reply = s
        .post(
            "/api/v1/users",
            json!({"email": email, "full_name": "Анна", "role": role, "password": PASSWORD}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert!(!reply.text.contains(PASSWORD) && !reply.text.contains("argon2"));
    reply.json["id"].as_i64().expect("id")
}

/// A new API token of the user whose login `email` is.
async fn token_of(s: &Server, email: &str) -> String {
    let user = s
        .uses()
        .accounts
        .by_email(&postpilot_core::EmailAddress::parse(email).expect("valid"))
        .await
        .expect("read")
        .expect("found");
    s.token_of(user).await
}

#[tokio::test]
async fn the_configured_token_acts_as_admin_and_a_users_token_as_that_user() {
    let s = Server::new().await;
    let me = s.get("/api/v1/me").await;
    assert_eq!(
        (me.json["role"].as_str(), me.json["user"].is_null()),
        (Some("admin"), true)
    );

    let anna = add_user(&s, "anna@example.com", "user").await;
    let token = token_of(&s, "anna@example.com").await;
    let me = as_token(&s, &token, Method::GET, "/api/v1/me", None).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json["user"]["id"], anna);
    assert_eq!(me.json["role"], "user");
}

#[tokio::test]
async fn a_user_may_not_list_add_or_block_users_and_a_manager_blocks_but_does_not_promote() {
    let s = Server::new().await;
    add_user(&s, "anna@example.com", "user").await;
    let boris = add_user(&s, "boris@example.com", "manager").await;
    let admin = add_user(&s, "admin@example.com", "admin").await;
    let anna = token_of(&s, "anna@example.com").await;
    let manager = token_of(&s, "boris@example.com").await;

    for (method, path, body) in [
        (Method::GET, "/api/v1/users".to_owned(), None),
        (
            Method::POST,
            "/api/v1/users".to_owned(),
            Some(
                json!({"email": "x@example.com", "full_name": "X", "role": "admin", "password": PASSWORD}),
            ),
        ),
        (Method::POST, format!("/api/v1/users/{boris}/block"), None),
    ] {
        let reply = as_token(&s, &anna, method, &path, body).await;
        reply.error(StatusCode::FORBIDDEN, "forbidden");
    }

    let listed = as_token(&s, &manager, Method::GET, "/api/v1/users", None).await;
    assert_eq!(listed.json["items"].as_array().map(Vec::len), Some(3));
    let anna_id = listed.json["items"][0]["id"].as_i64().expect("id");
    let blocked = as_token(
        &s,
        &manager,
        Method::POST,
        &format!("/api/v1/users/{anna_id}/block"),
        None,
    )
    .await;
    assert_eq!(blocked.json["blocked"], true, "{}", blocked.text);
    let me = as_token(&s, &anna, Method::GET, "/api/v1/me", None).await;
    assert_eq!(
        me.status,
        StatusCode::UNAUTHORIZED,
        "a blocked user's token stops"
    );

    let promote = as_token(
        &s,
        &manager,
        Method::PATCH,
        &format!("/api/v1/users/{anna_id}"),
        Some(json!({"role": "admin"})),
    )
    .await;
    promote.error(StatusCode::FORBIDDEN, "forbidden");
    let block_admin = as_token(
        &s,
        &manager,
        Method::POST,
        &format!("/api/v1/users/{admin}/block"),
        None,
    )
    .await;
    block_admin.error(StatusCode::FORBIDDEN, "forbidden");
    let promoted = s
        .patch(
            &format!("/api/v1/users/{anna_id}"),
            json!({"role": "manager"}),
        )
        .await;
    assert_eq!(promoted.json["role"], "manager", "{}", promoted.text);
}

#[tokio::test]
async fn bad_user_input_names_the_field_and_adds_nobody() {
    let s = Server::new().await;
    for (body, field) in [
        (
            json!({"email": "a@example.com", "full_name": "A", "role": "root", "password": PASSWORD}),
            "role",
        ),
        (
            json!({"email": "a@example.com", "full_name": "A", "role": "user", "password": "short"}),
            "password",
        ),
        (
            json!({"email": "nope", "full_name": "A", "role": "user", "password": PASSWORD}),
            "email",
        ),
    ] {
        let reply = s.post("/api/v1/users", body).await;
        assert_eq!(
            reply
                .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid")
                .as_deref(),
            Some(field),
            "{}",
            reply.text
        );
        assert!(!reply.text.contains("short"), "a password is never echoed");
    }
    add_user(&s, "a@example.com", "user").await;
    let dup = s
        .post(
            "/api/v1/users",
            json!({"email": "A@example.com", "full_name": "A", "role": "user", "password": PASSWORD}),
        )
        .await;
    dup.error(StatusCode::CONFLICT, "duplicate");
    assert_eq!(
        s.get("/api/v1/users").await.json["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

#[tokio::test]
async fn a_token_is_shown_once_listed_without_its_key_and_revoked_only_by_its_user() {
    let s = Server::new().await;
    add_user(&s, "anna@example.com", "user").await;
    add_user(&s, "boris@example.com", "user").await;
    let anna = token_of(&s, "anna@example.com").await;
    let boris = token_of(&s, "boris@example.com").await;

    let made = as_token(
        &s,
        &anna,
        Method::POST,
        "/api/v1/tokens",
        Some(json!({"name": "ci"})),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let key = made.json["token"]
        .as_str()
        .expect("the key, once")
        .to_owned();
    let id = made.json["id"].as_i64().expect("id");
    assert_eq!(
        as_token(&s, &key, Method::GET, "/api/v1/me", None)
            .await
            .status,
        StatusCode::OK
    );

    let listed = as_token(&s, &anna, Method::GET, "/api/v1/tokens", None).await;
    assert_eq!(listed.json.as_array().map(Vec::len), Some(2));
    assert!(!listed.text.contains(&key), "the key is never shown again");

    let theirs = as_token(
        &s,
        &boris,
        Method::DELETE,
        &format!("/api/v1/tokens/{id}"),
        None,
    )
    .await;
    theirs.error(StatusCode::NOT_FOUND, "not_found");
    let revoked = as_token(
        &s,
        &anna,
        Method::DELETE,
        &format!("/api/v1/tokens/{id}"),
        None,
    )
    .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    assert_eq!(
        as_token(&s, &key, Method::GET, "/api/v1/me", None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    let system = s.post("/api/v1/tokens", json!({"name": "x"})).await;
    system.error(StatusCode::FORBIDDEN, "forbidden");
}

#[tokio::test]
async fn the_users_list_counts_what_each_user_owns() {
    let s = Server::new().await;
    add_user(&s, "anna@example.com", "user").await;
    add_user(&s, "mia@example.com", "manager").await;
    let anna = token_of(&s, "anna@example.com").await;
    for (path, body) in [
        (
            "/api/v1/recipients",
            json!({"email": "ivan@example.com", "full_name": "Иван"}),
        ),
        (
            "/api/v1/recipients",
            json!({"email": "olga@example.com", "full_name": "Ольга"}),
        ),
        (
            "/api/v1/messages",
            json!({"subject": "Скидки", "body_text": "Текст"}),
        ),
    ] {
        let made = as_token(&s, &anna, Method::POST, path, Some(body)).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    }
    let manager = token_of(&s, "mia@example.com").await;
    let listed = as_token(&s, &manager, Method::GET, "/api/v1/users", None).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let items = listed.json["items"].as_array().expect("items");
    assert_eq!(items[0]["email"], "anna@example.com");
    assert_eq!(
        items[0]["counts"],
        json!({"recipients": 2, "messages": 1, "mailings": 0, "mailings_active": 0, "runs_launched": 0})
    );
    assert_eq!(items[1]["email"], "mia@example.com");
    assert_eq!(items[1]["counts"]["recipients"], 0, "the manager owns none");
    assert!(
        items[0].get("last_login_at").is_some(),
        "the user's own fields stay beside the counts"
    );
}
