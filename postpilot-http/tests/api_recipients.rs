//! `/api/v1/recipients` through the router, and the error cases every
//! resource shares.

mod support;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::json;
use support::{Server, TOKEN};

#[tokio::test]
async fn recipient_is_created_shown_listed_edited_and_deleted() {
    let s = Server::new().await;
    let created = s
        .post(
            "/api/v1/recipients",
            json!({"email": "ivan@example.com", "full_name": "Иван Петров", "comment": "VIP"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.json["id"].as_i64().expect("id");
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/recipients/{id}").as_str())
    );
    assert_eq!(
        created.json,
        json!({"id": id, "email": "ivan@example.com", "full_name": "Иван Петров", "comment": "VIP"})
    );

    let shown = s.get(&format!("/api/v1/recipients/{id}")).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(shown.json, created.json);

    let listed = s.get("/api/v1/recipients").await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.json["items"], json!([created.json]));
    assert_eq!(listed.json["next_offset"], json!(null));

    let edited = s
        .patch(
            &format!("/api/v1/recipients/{id}"),
            json!({"full_name": "Иван Сидоров"}),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    assert_eq!(edited.json["full_name"], "Иван Сидоров");
    assert_eq!(edited.json["comment"], "VIP");

    let deleted = s.delete(&format!("/api/v1/recipients/{id}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    s.get(&format!("/api/v1/recipients/{id}"))
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn unknown_recipient_is_404_in_the_error_shape() {
    let s = Server::new().await;
    for reply in [
        s.get("/api/v1/recipients/999").await,
        s.patch("/api/v1/recipients/999", json!({"full_name": "X"}))
            .await,
        s.delete("/api/v1/recipients/999").await,
        s.get("/api/v1/recipients/not-a-number").await,
    ] {
        assert_eq!(reply.error(StatusCode::NOT_FOUND, "not_found"), None);
    }
}

#[tokio::test]
async fn duplicate_email_in_any_letter_case_is_409_naming_the_field() {
    let s = Server::new().await;
    s.recipient("ivan@example.com", "Иван").await;
    let again = s
        .post(
            "/api/v1/recipients",
            json!({"email": "IVAN@example.com", "full_name": "Другой Иван"}),
        )
        .await;
    assert_eq!(
        again.error(StatusCode::CONFLICT, "duplicate").as_deref(),
        Some("email")
    );
    let other = s.recipient("anna@example.com", "Анна").await;
    let taken = s
        .patch(
            &format!("/api/v1/recipients/{other}"),
            json!({"email": "ivan@example.com"}),
        )
        .await;
    assert_eq!(
        taken.error(StatusCode::CONFLICT, "duplicate").as_deref(),
        Some("email")
    );
}

#[tokio::test]
async fn invalid_fields_are_422_naming_the_field() {
    let s = Server::new().await;
    let cases = [
        (
            json!({"email": "not-an-email", "full_name": "Иван"}),
            "email",
        ),
        (
            json!({"email": "a@example.com", "full_name": ""}),
            "full_name",
        ),
        (
            json!({"email": "a@example.com", "full_name": "Я".repeat(101)}),
            "full_name",
        ),
        (
            json!({"email": "a@example.com", "full_name": "Line\nBreak"}),
            "full_name",
        ),
        (json!({"full_name": "Иван"}), "email"),
        (json!({"email": 5, "full_name": "Иван"}), "email"),
        (
            json!({"email": "a@example.com", "full_name": "Иван", "fullname": "typo"}),
            "fullname",
        ),
    ];
    for (body, field) in cases {
        let reply = s.post("/api/v1/recipients", body.clone()).await;
        assert_eq!(
            reply
                .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid")
                .as_deref(),
            Some(field),
            "{body}"
        );
    }
    let listed = s.get("/api/v1/recipients").await;
    assert_eq!(
        listed.json["items"],
        json!([]),
        "refused input changes nothing"
    );
}

#[tokio::test]
async fn malformed_json_is_400() {
    let s = Server::new().await;
    for body in [
        "{",
        "[1, 2]",
        "{\"email\": \"a@b.c\", \"full_name\": \"A\"} trailing",
    ] {
        let request = Request::post("/api/v1/recipients")
            .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .expect("request");
        s.send(request)
            .await
            .error(StatusCode::BAD_REQUEST, "bad_request");
    }
}

#[tokio::test]
async fn body_that_is_not_json_is_415() {
    let s = Server::new().await;
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let mut request = Request::post("/api/v1/recipients")
            .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"));
        if let Some(ct) = content_type {
            request = request.header(header::CONTENT_TYPE, ct);
        }
        let body = Body::from(r#"{"email":"a@example.com","full_name":"A"}"#);
        s.send(request.body(body).expect("request"))
            .await
            .error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    }
}

#[tokio::test]
async fn body_over_the_limit_is_413() {
    let s = Server::with(|c| c.body_limit = 1024).await;
    let big = json!({"email": "a@example.com", "full_name": "A", "comment": "x".repeat(2000)});
    s.post("/api/v1/recipients", big)
        .await
        .error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
}

#[tokio::test]
async fn list_is_paginated_and_bad_paging_is_422() {
    let s = Server::new().await;
    for i in 0..3 {
        s.recipient(&format!("r{i}@example.com"), "Получатель")
            .await;
    }
    let first = s.get("/api/v1/recipients?limit=2").await;
    assert_eq!(first.json["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(first.json["next_offset"], 2);
    let rest = s.get("/api/v1/recipients?offset=2&limit=2").await;
    assert_eq!(rest.json["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(rest.json["next_offset"], json!(null));
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=5000", "limit"),
        ("offset=-1", "offset"),
    ] {
        let reply = s.get(&format!("/api/v1/recipients?{query}")).await;
        assert_eq!(
            reply
                .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid")
                .as_deref(),
            Some(field)
        );
    }
}

#[tokio::test]
async fn wrong_method_is_405_in_the_error_shape() {
    let s = Server::new().await;
    s.api(Method::PUT, "/api/v1/recipients", None)
        .await
        .error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
}
