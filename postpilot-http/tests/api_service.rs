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
    assert_eq!(operations, 47);
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

fn document() -> Value {
    serde_json::from_str(postpilot_http::openapi_json()).expect("json")
}

/// Every (method, operation) of the document.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut all = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("item") {
            all.push((method.to_uppercase(), path.clone(), operation.clone()));
        }
    }
    all
}

/// Tools key on operationIds (Schemathesis's links, client generators):
/// each names one operation, and every link names one that exists.
#[test]
fn operation_ids_are_unique_and_every_link_names_an_operation() {
    let doc = document();
    let mut ids = std::collections::BTreeMap::new();
    for (method, path, operation) in operations(&doc) {
        let id = operation["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path} has no operationId"))
            .to_owned();
        if let Some(other) = ids.insert(id.clone(), format!("{method} {path}")) {
            panic!("operationId {id} names both {other} and {method} {path}");
        }
    }
    assert_eq!(ids.len(), 47);
    for expected in [
        "listRecipients",
        "createRecipient",
        "showRecipient",
        "updateRecipient",
        "removeRecipient",
        "sendMailing",
        "showRun",
        "showStats",
        "listMailingRecipients",
        "addMailingRecipients",
        "removeMailingRecipients",
        "disableMailing",
        "enableMailing",
        "listLists",
        "createList",
        "showList",
        "renameList",
        "removeList",
        "listListMembers",
        "addListMembers",
        "removeListMembers",
        "showSuppression",
        "resubscribeRecipient",
        "listSuppressed",
        "previewMessage",
        "sendTestMessage",
        "showMe",
        "listUsers",
        "createUser",
        "setUserRole",
        "blockUser",
        "unblockUser",
        "listTokens",
        "makeToken",
        "revokeToken",
    ] {
        assert!(ids.contains_key(expected), "{expected} missing: {ids:?}");
    }
    let mut links = 0;
    for (method, path, operation) in operations(&doc) {
        for (status, response) in operation["responses"].as_object().expect("responses") {
            for (name, link) in response["links"].as_object().into_iter().flatten() {
                let target = link["operationId"].as_str().unwrap_or_else(|| {
                    panic!("{method} {path} {status} link {name} has no operationId: {link}")
                });
                assert!(
                    ids.contains_key(target),
                    "{method} {path} links to {target}"
                );
                links += 1;
            }
        }
    }
    assert!(links >= 11, "{links} links");
}

/// The schema of a body field, wherever the document put its keywords
/// (directly, or in the items of an `allOf`).
fn keyword(field: &Value, name: &str) -> Value {
    if let Some(value) = field.get(name) {
        return value.clone();
    }
    field["allOf"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|part| part.get(name).cloned())
        .unwrap_or(Value::Null)
}

/// What the server refuses, the document says: lengths, patterns, ranges,
/// unique ids, the paging limits, ids in paths, and that a 201 names the
/// new resource in `Location`, a 401 or 429 how to go on.
#[test]
fn the_document_states_every_rule_the_server_enforces() {
    let doc = document();
    let schemas = &doc["components"]["schemas"];
    for (schema, field, min, max) in [
        ("NewRecipientJson", "email", None, Some(254)),
        ("NewRecipientJson", "full_name", Some(1), Some(100)),
        ("NewRecipientJson", "comment", None, Some(10_000)),
        ("RecipientPatchJson", "email", None, Some(254)),
        ("RecipientPatchJson", "full_name", Some(1), Some(100)),
        ("RecipientPatchJson", "comment", None, Some(10_000)),
        ("NewMessageJson", "subject", Some(1), Some(100)),
        ("NewMessageJson", "body_text", Some(1), Some(1_000_000)),
        ("MessagePatchJson", "subject", Some(1), Some(100)),
        ("MessagePatchJson", "body_text", Some(1), Some(1_000_000)),
        ("SelectionJson", "search", Some(1), Some(100)),
    ] {
        let field_schema = &schemas[schema]["properties"][field];
        assert_eq!(
            keyword(field_schema, "minLength").as_u64(),
            min,
            "{schema}.{field}"
        );
        assert_eq!(
            keyword(field_schema, "maxLength").as_u64(),
            max,
            "{schema}.{field}"
        );
        assert!(
            keyword(field_schema, "pattern").is_string(),
            "{schema}.{field} has no pattern"
        );
    }
    for schema in ["NewMailingJson", "MailingPatchJson"] {
        let properties = &schemas[schema]["properties"];
        assert_eq!(properties["message_id"]["minimum"], 1, "{schema}");
        assert_eq!(properties["recipient_ids"]["uniqueItems"], true, "{schema}");
        assert_eq!(
            properties["recipient_ids"]["items"]["minimum"], 1,
            "{schema}"
        );
        for time in ["first_sent_at", "sent_completed_at"] {
            assert_eq!(properties[time]["format"], "date-time", "{schema}.{time}");
        }
    }
    for schema in [
        "NewRecipientJson",
        "RecipientPatchJson",
        "NewMessageJson",
        "MessagePatchJson",
        "NewMailingJson",
        "MailingPatchJson",
        "SelectionJson",
    ] {
        assert_eq!(schemas[schema]["additionalProperties"], false, "{schema}");
    }
    let selection = &schemas["SelectionJson"];
    assert_eq!(
        (
            selection["minProperties"].clone(),
            selection["maxProperties"].clone()
        ),
        (json!(1), json!(1)),
        "a selection is exactly one of its fields"
    );
    assert_eq!(selection["properties"]["all"]["enum"], json!([true]));
    assert_eq!(
        selection["properties"]["recipient_ids"]["uniqueItems"],
        true
    );
    for (list, item) in [
        ("RecipientList", "RecipientJson"),
        ("MessageList", "MessageJson"),
        ("MailingList", "MailingSummaryJson"),
        ("RunList", "RunJson"),
        ("AttemptList", "AttemptJson"),
        ("MailingRecipientList", "RecipientJson"),
    ] {
        assert_eq!(
            schemas[list]["properties"]["items"]["items"]["$ref"],
            format!("#/components/schemas/{item}"),
            "{list} repeats its items instead of referring to them"
        );
    }
    for (method, path, operation) in operations(&doc) {
        let shown = format!("{method} {path}");
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            let schema = &parameter["schema"];
            match (parameter["in"].as_str(), parameter["name"].as_str()) {
                (Some("path"), _) => {
                    assert_eq!(parameter["required"], true, "{shown}");
                    assert_eq!(schema["minimum"], 1, "{shown}");
                    assert_eq!(schema["format"], "int64", "{shown}");
                }
                (Some("query"), Some("limit")) => {
                    assert_eq!(
                        (schema["minimum"].clone(), schema["maximum"].clone()),
                        (json!(1), json!(1000)),
                        "{shown}"
                    );
                }
                (Some("query"), Some("offset")) => {
                    assert_eq!(
                        (schema["minimum"].clone(), schema["maximum"].clone()),
                        (json!(0), json!(u64::MAX)),
                        "{shown}"
                    );
                }
                (Some("query"), Some("search")) => {
                    assert_eq!(schema["maxLength"], 100, "{shown}");
                    assert!(schema["pattern"].is_string(), "{shown}");
                }
                other => panic!("{shown}: unexpected parameter {other:?}"),
            }
        }
        let responses = operation["responses"].as_object().expect("responses");
        for (status, header) in [
            ("201", "Location"),
            ("202", "Location"),
            ("401", "WWW-Authenticate"),
            ("429", "Retry-After"),
        ] {
            if let Some(response) = responses.get(status) {
                assert!(
                    response["headers"].get(header).is_some(),
                    "{shown} {status} without {header}"
                );
            }
        }
        assert!(
            responses.contains_key("401") && responses.contains_key("429"),
            "{shown}"
        );
        if matches!(method.as_str(), "POST" | "PATCH") && operation.get("requestBody").is_some() {
            for status in ["400", "413", "415", "422"] {
                assert!(
                    responses.contains_key(status),
                    "{shown} does not document {status}"
                );
            }
        }
    }
}
