//! What surrounds the resources: the token, health, the OpenAPI document,
//! metrics, timeouts, unknown routes, security headers.

mod support;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};
use support::{matches_template, Server};

#[tokio::test]
async fn missing_or_wrong_token_is_401_in_the_error_shape() {
    let s = Server::new().await;
    let bare = Request::get("/api/v1/recipients")
        .body(Body::empty())
        .expect("request");
    let reply = s.send(bare).await;
    reply.error(StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(reply
        .header("www-authenticate")
        .is_some_and(|v| v.starts_with("Bearer")));

    for auth in [
        "Bearer wrong-token-0123456789",
        "Basic dGVzdDp0ZXN0",
        "Bearer",
        "test-token-0123456789abcdef",
    ] {
        let request = Request::post("/api/v1/recipients")
            .header(header::AUTHORIZATION, auth)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(r#"{"email":"a@example.com","full_name":"A"}"#))
            .expect("request");
        s.send(request)
            .await
            .error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    assert_eq!(
        s.get("/api/v1/recipients").await.json["items"],
        json!([]),
        "nothing was created without the token"
    );
}

#[tokio::test]
async fn bearer_scheme_is_case_insensitive() {
    let s = Server::new().await;
    let request = Request::get("/api/v1/stats")
        .header(header::AUTHORIZATION, format!("bearer {}", support::TOKEN))
        .body(Body::empty())
        .expect("request");
    assert_eq!(s.send(request).await.status, StatusCode::OK);
}

#[tokio::test]
async fn health_and_readiness_answer_without_a_token() {
    let s = Server::new().await;
    let live = s
        .send(Request::get("/healthz").body(Body::empty()).expect("r"))
        .await;
    assert_eq!(
        (live.status, live.json.clone()),
        (StatusCode::OK, json!({"status": "ok"}))
    );
    let ready = s
        .send(Request::get("/readyz").body(Body::empty()).expect("r"))
        .await;
    assert_eq!(ready.json, json!({"status": "ready"}));

    s.store.close().await;
    let gone = s
        .send(Request::get("/readyz").body(Body::empty()).expect("r"))
        .await;
    gone.error(StatusCode::SERVICE_UNAVAILABLE, "not_ready");
}

#[tokio::test]
async fn unknown_api_route_is_404_in_the_error_shape() {
    let s = Server::new().await;
    s.get("/api/v1/nothing-here")
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn openapi_document_is_public_and_names_the_bearer_scheme() {
    let s = Server::new().await;
    let reply = s
        .send(
            Request::get("/api/v1/openapi.json")
                .body(Body::empty())
                .expect("r"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.json["openapi"]
        .as_str()
        .is_some_and(|v| v.starts_with("3.")));
    assert_eq!(
        reply.json["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    for schema in [
        "RecipientJson",
        "MessageJson",
        "MailingJson",
        "AttemptJson",
        "StatsJson",
        "ErrorBody",
    ] {
        assert!(
            reply.json["components"]["schemas"].get(schema).is_some(),
            "{schema} missing"
        );
    }
    let mailing = &reply.json["components"]["schemas"]["MailingJson"]["properties"];
    for field in [
        "id",
        "first_sent_at",
        "sent_completed_at",
        "status",
        "message_id",
        "recipient_ids",
    ] {
        assert!(mailing.get(field).is_some(), "mailing.{field} missing");
    }
}

/// Each operation the document lists is really routed: a call with the
/// token reaches a handler (not the API's fallback, not 405).
#[tokio::test]
async fn every_documented_operation_is_routed() {
    let s = Server::new().await;
    let doc: Value = serde_json::from_str(postpilot_http::openapi_json()).expect("json");
    let mut operations = 0;
    for (template, item) in doc["paths"].as_object().expect("paths") {
        let path = template.replace("{id}", "424242").replace("{run_id}", "1");
        assert!(matches_template(template, &path));
        for method in item.as_object().expect("item").keys() {
            let method: Method = method.to_uppercase().parse().expect("method");
            let body = matches!(method, Method::POST | Method::PATCH).then(|| json!({}));
            let reply = s.api(method.clone(), &path, body).await;
            assert_ne!(
                reply.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
            assert_ne!(
                reply.json["error"]["message"], "no such API route",
                "{method} {path}"
            );
            operations += 1;
        }
    }
    assert_eq!(operations, 20);
}

#[tokio::test]
async fn metrics_count_emails_runs_and_requests() {
    let s = Server::new().await;
    let message = s.message("Тема").await;
    let a = s.recipient("a@example.com", "А").await;
    let id = s.open_mailing(message, &[a]).await;
    s.post(&format!("/api/v1/mailings/{id}/send"), json!({}))
        .await;
    s.wait_for_attempts(id, 1).await;
    let reply = s
        .send(Request::get("/metrics").body(Body::empty()).expect("r"))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let text = &reply.text;
    assert!(text.contains("postpilot_emails_sent_total 1"), "{text}");
    assert!(text.contains("postpilot_emails_failed_total 0"), "{text}");
    assert!(
        text.contains(r#"postpilot_runs_launched_total{trigger="api",resumed="false"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"postpilot_http_requests_total{method="POST",route="/api/v1/mailings/{id}/send",status="202"} 1"#),
        "{text}"
    );
}

#[tokio::test]
async fn answers_carry_security_headers() {
    let s = Server::new().await;
    let reply = s.get("/api/v1/stats").await;
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(reply.header("referrer-policy"), Some("same-origin"));
    assert!(reply
        .header("content-security-policy")
        .is_some_and(|v| v.contains("default-src 'none'")));
}
