//! The JSON API's doors tried with every class of bad input: bodies (wrong
//! types, missing, unknown and repeated fields, nulls, huge and negative
//! ids, repeated recipient ids, control characters, over-long and empty
//! text, malformed times and offsets, bytes that are not JSON or not
//! UTF-8, huge bodies, wrong content types), ids in the path and paging in
//! the query. Each answer has the error shape and the status the table
//! names, the field at fault is named, and nothing stored changes.

mod support;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use support::Server;

/// One refused request and the answer it must get.
struct Case {
    method: Method,
    path: String,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    status: StatusCode,
    code: &'static str,
    field: Option<&'static str>,
}

/// A JSON body refused as `422 invalid` naming `field`.
fn invalid(method: Method, path: &str, body: Value, field: &'static str) -> Case {
    Case {
        method,
        path: path.to_owned(),
        content_type: Some("application/json"),
        body: body.to_string().into_bytes(),
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code: "invalid",
        field: Some(field),
    }
}

/// A JSON text (one that `json!` cannot build) refused as `422 invalid`
/// naming `field`.
fn invalid_text(method: Method, path: &str, body: String, field: &'static str) -> Case {
    Case {
        body: body.into_bytes(),
        ..invalid(method, path, json!({}), field)
    }
}

/// Bytes refused as a whole, naming no field.
fn refused(
    method: Method,
    path: &str,
    content_type: Option<&'static str>,
    body: impl Into<Vec<u8>>,
    status: StatusCode,
    code: &'static str,
) -> Case {
    Case {
        method,
        path: path.to_owned(),
        content_type,
        body: body.into(),
        status,
        code,
        field: None,
    }
}

fn not_found(method: Method, path: &str) -> Case {
    let body = if method == Method::PATCH { "{}" } else { "" };
    refused(
        method,
        path,
        Some("application/json"),
        body,
        StatusCode::NOT_FOUND,
        "not_found",
    )
}

/// Query strings refused as `422 invalid` naming `field`.
fn bad_query(path: &str, field: &'static str) -> Case {
    Case {
        field: Some(field),
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code: "invalid",
        ..refused(Method::GET, path, None, "", StatusCode::OK, "")
    }
}

/// A server with recipient 1, message 1 and mailing 1 to recipient 1.
async fn seeded() -> Server {
    let s = Server::new().await;
    let r = s.recipient("ivan@example.com", "Иван").await;
    let m = s.message("Тема").await;
    s.open_mailing(m, &[r]).await;
    s
}

/// Sends every case: the status, the error shape, the field named (also in
/// the message), and nothing stored changed.
async fn assert_refused(s: &Server, cases: Vec<Case>) {
    let before = s.snapshot().await;
    for case in cases {
        let shown = format!(
            "{} {} {:?}",
            case.method,
            case.path,
            String::from_utf8_lossy(&case.body[..case.body.len().min(200)])
        );
        let reply = s
            .api_raw(case.method, &case.path, case.content_type, case.body)
            .await;
        let field = reply.error(case.status, case.code);
        assert_eq!(field.as_deref(), case.field, "{shown}: {}", reply.text);
        let message = reply.json["error"]["message"].as_str().unwrap_or_default();
        if let Some(field) = case.field {
            assert!(message.contains(field), "{shown}: {message}");
        }
        assert_speaks_json(message, &shown);
        assert_eq!(
            reply.header("content-type"),
            Some("application/json"),
            "{shown}"
        );
    }
    assert_eq!(
        s.snapshot().await,
        before,
        "a refused request changed something"
    );
}

/// An error message speaks of fields and JSON only.
fn assert_speaks_json(message: &str, shown: &str) {
    if let Some(word) = support::rust_word_in(message) {
        panic!("{shown}: the message names {word:?}, a Rust or serde word: {message}");
    }
}

#[tokio::test]
async fn bad_recipient_bodies_are_refused_naming_the_field_and_change_nothing() {
    let s = seeded().await;
    let (post, patch) = (Method::POST, Method::PATCH);
    let new = |email: Value, name: Value| json!({"email": email, "full_name": name});
    let long_email = format!("{}@example.com", "a".repeat(250));
    let mut cases = Vec::new();
    for (method, path) in [
        (&post, "/api/v1/recipients"),
        (&patch, "/api/v1/recipients/1"),
    ] {
        let m = || method.clone();
        cases.extend([
            // wrong types
            invalid(m(), path, new(json!(5), json!("A")), "email"),
            invalid(m(), path, new(json!(true), json!("A")), "email"),
            invalid(
                m(),
                path,
                new(json!("a@example.com"), json!(["A"])),
                "full_name",
            ),
            invalid(
                m(),
                path,
                new(json!("a@example.com"), json!({"first": "A"})),
                "full_name",
            ),
            invalid(
                m(),
                path,
                json!({"email": "a@example.com", "full_name": "A", "comment": 7}),
                "comment",
            ),
            // unknown and repeated fields
            invalid(
                m(),
                path,
                json!({"email": "a@example.com", "full_name": "A", "nickname": "x"}),
                "nickname",
            ),
            invalid(
                m(),
                path,
                json!({"id": 7, "email": "a@example.com", "full_name": "A"}),
                "id",
            ),
            invalid_text(
                m(),
                path,
                r#"{"email":"a@example.com","email":"b@example.com","full_name":"A"}"#.into(),
                "email",
            ),
            // control characters and line breaks in every text field
            invalid(
                m(),
                path,
                new(json!("a@example.com"), json!("Bell\u{7}")),
                "full_name",
            ),
            invalid(
                m(),
                path,
                new(json!("a@example.com"), json!("A\u{0}")),
                "full_name",
            ),
            invalid(
                m(),
                path,
                new(json!("a@example.com"), json!("Two\nlines")),
                "full_name",
            ),
            invalid(
                m(),
                path,
                new(json!("a@example.com"), json!("Line\u{2028}sep")),
                "full_name",
            ),
            invalid(
                m(),
                path,
                new(json!("a@example.com\n"), json!("A")),
                "email",
            ),
            invalid(
                m(),
                path,
                new(json!("a@example.com\r\nBcc: x@example.com"), json!("A")),
                "email",
            ),
            invalid(
                m(),
                path,
                json!({"email": "a@example.com", "full_name": "A", "comment": "\u{1b}[31m"}),
                "comment",
            ),
            // the email policy's edge cases
            invalid(
                m(),
                path,
                new(json!("a b@example.com"), json!("A")),
                "email",
            ),
            invalid(m(), path, new(json!(" a@example.com"), json!("A")), "email"),
            invalid(
                m(),
                path,
                new(json!("a..b@example.com"), json!("A")),
                "email",
            ),
            invalid(m(), path, new(json!("иван@пример.рф"), json!("A")), "email"),
            invalid(
                m(),
                path,
                new(json!("\"ivan\"@example.com"), json!("A")),
                "email",
            ),
            invalid(
                m(),
                path,
                new(json!("ivan@[127.0.0.1]"), json!("A")),
                "email",
            ),
            // over-long and empty
            invalid(m(), path, new(json!(long_email), json!("A")), "email"),
            invalid(
                m(),
                path,
                new(json!("a@example.com"), json!("Я".repeat(101))),
                "full_name",
            ),
            invalid(
                m(),
                path,
                json!({"email": "a@example.com", "full_name": "A", "comment": "к".repeat(10_001)}),
                "comment",
            ),
            invalid(m(), path, new(json!(""), json!("A")), "email"),
            invalid(
                m(),
                path,
                new(json!("a@example.com"), json!("   ")),
                "full_name",
            ),
            // lengths count the characters as sent, surrounding spaces included
            invalid(
                m(),
                path,
                new(json!("a@example.com"), json!(format!(" {} ", "Я".repeat(99)))),
                "full_name",
            ),
            invalid(
                m(),
                path,
                json!({"email": "a@example.com", "full_name": "A", "comment": format!("{}\n", "к".repeat(10_000))}),
                "comment",
            ),
        ]);
    }
    cases.extend([
        // missing fields and nulls in required fields (in a patch, null is "keep")
        invalid(post.clone(), "/api/v1/recipients", json!({}), "email"),
        invalid(
            post.clone(),
            "/api/v1/recipients",
            json!({"email": "a@example.com"}),
            "full_name",
        ),
        invalid(
            post.clone(),
            "/api/v1/recipients",
            new(json!(null), json!("A")),
            "email",
        ),
        invalid(
            post.clone(),
            "/api/v1/recipients",
            new(json!("a@example.com"), json!(null)),
            "full_name",
        ),
    ]);
    assert_refused(&s, cases).await;
}

#[tokio::test]
async fn bad_message_bodies_are_refused_naming_the_field_and_change_nothing() {
    let s = seeded().await;
    let new = |subject: Value, body: Value| json!({"subject": subject, "body_text": body});
    let mut cases = Vec::new();
    for (method, path) in [
        (Method::POST, "/api/v1/messages"),
        (Method::PATCH, "/api/v1/messages/1"),
    ] {
        let m = || method.clone();
        cases.extend([
            invalid(
                m(),
                path,
                new(json!("Hi\nBcc: x@example.com"), json!("B")),
                "subject",
            ),
            invalid(m(), path, new(json!("Hi\r"), json!("B")), "subject"),
            invalid(m(), path, new(json!("Tab\there"), json!("B")), "subject"),
            invalid(m(), path, new(json!("x\u{202E}y"), json!("B")), "subject"),
            invalid(
                m(),
                path,
                new(json!("s".repeat(101)), json!("B")),
                "subject",
            ),
            invalid(m(), path, new(json!(""), json!("B")), "subject"),
            invalid(m(), path, new(json!(42), json!("B")), "subject"),
            invalid(m(), path, new(json!("S"), json!(" \n\t ")), "body_text"),
            invalid(m(), path, new(json!("S"), json!("nul \u{0}")), "body_text"),
            invalid(
                m(),
                path,
                new(json!("S"), json!("x".repeat(1_000_001))),
                "body_text",
            ),
            invalid(m(), path, new(json!("S"), json!(["B"])), "body_text"),
            invalid(
                m(),
                path,
                new(json!(format!("{} ", "s".repeat(100))), json!("B")),
                "subject",
            ),
            invalid(
                m(),
                path,
                json!({"subject": "S", "body_text": "B", "body_html": "<p>{{ name }}</p>"}),
                "body_html",
            ),
        ]);
    }
    cases.extend([
        invalid(
            Method::POST,
            "/api/v1/messages",
            json!({"subject": "S"}),
            "body_text",
        ),
        invalid(
            Method::POST,
            "/api/v1/messages",
            new(json!(null), json!("B")),
            "subject",
        ),
    ]);
    assert_refused(&s, cases).await;
}

#[tokio::test]
async fn bad_mailing_bodies_are_refused_naming_the_field_and_change_nothing() {
    let s = seeded().await;
    let (start, end) = ("2030-01-01T09:00:00+03:00", "2030-01-02T09:00:00+03:00");
    let with = |key: &str, value: Value| {
        let mut body = json!({
            "message_id": 1, "first_sent_at": start, "sent_completed_at": end, "recipient_ids": [1]
        });
        body[key] = value;
        body
    };
    let post = |key: &str, value: Value, field| {
        invalid(Method::POST, "/api/v1/mailings", with(key, value), field)
    };
    let patch = |key: &str, value: Value, field| {
        invalid(
            Method::PATCH,
            "/api/v1/mailings/1",
            json!({ key: value }),
            field,
        )
    };
    let huge = "99999999999999999999";
    let mut cases = Vec::new();
    for (method, path) in [
        (Method::POST, "/api/v1/mailings"),
        (Method::PATCH, "/api/v1/mailings/1"),
    ] {
        let text = with("message_id", json!(0)).to_string();
        cases.extend([
            invalid_text(
                method.clone(),
                path,
                text.replace(r#""message_id":0"#, &format!(r#""message_id":{huge}"#)),
                "message_id",
            ),
            invalid_text(
                method.clone(),
                path,
                text.replace(r#""message_id":0"#, r#""message_id":-99999999999999999999"#),
                "message_id",
            ),
            // integral, but past 2^32 a fraction may not name one id for sure
            invalid_text(
                method.clone(),
                path,
                text.replace(r#""message_id":0"#, r#""message_id":9007199254740991.0"#),
                "message_id",
            ),
            invalid_text(
                method.clone(),
                path,
                text.replace("[1]", &format!("[{huge}]"))
                    .replace(r#""message_id":0"#, r#""message_id":1"#),
                "recipient_ids",
            ),
        ]);
    }
    for make in [&post as &dyn Fn(&str, Value, &'static str) -> Case, &patch] {
        cases.extend([
            // ids: wrong types, huge, negative, unknown
            make("message_id", json!("1"), "message_id"),
            make("message_id", json!(1.5), "message_id"),
            make(
                "message_id",
                json!(9_223_372_036_854_775_808_u64),
                "message_id",
            ),
            make("message_id", json!(-1), "message_id"),
            make("message_id", json!(0), "message_id"),
            make("message_id", json!(999), "message_id"),
            make("recipient_ids", json!("1"), "recipient_ids"),
            make("recipient_ids", json!([1, 1]), "recipient_ids"),
            make("recipient_ids", json!(["1"]), "recipient_ids"),
            make("recipient_ids", json!([1, null]), "recipient_ids"),
            make(
                "recipient_ids",
                json!([9_223_372_036_854_775_808_u64]),
                "recipient_ids",
            ),
            make("recipient_ids", json!([-1]), "recipient_ids"),
            make("recipient_ids", json!([999]), "recipient_ids"),
            make("recipient_ids", json!({"1": true}), "recipient_ids"),
            // times: no offset, bad offsets, impossible dates, out of range
            make(
                "first_sent_at",
                json!("2030-01-01T09:00:00"),
                "first_sent_at",
            ),
            make("first_sent_at", json!("2030-01-01 09:00"), "first_sent_at"),
            make(
                "first_sent_at",
                json!("2030-01-01T09:00:00+25:00"),
                "first_sent_at",
            ),
            make(
                "first_sent_at",
                json!("2030-01-01T09:00:00+03"),
                "first_sent_at",
            ),
            make(
                "first_sent_at",
                json!("2030-01-01T09:00:00 MSK"),
                "first_sent_at",
            ),
            make(
                "first_sent_at",
                json!("2026-02-30T09:00:00Z"),
                "first_sent_at",
            ),
            make(
                "first_sent_at",
                json!("2026-13-01T09:00:00Z"),
                "first_sent_at",
            ),
            make(
                "first_sent_at",
                json!("2026-12-01T24:01:00Z"),
                "first_sent_at",
            ),
            make(
                "first_sent_at",
                json!("-0001-01-01T00:00:00Z"),
                "first_sent_at",
            ),
            make("first_sent_at", json!("tomorrow"), "first_sent_at"),
            // RFC 3339 to the letter: chrono alone takes these too
            make(
                "first_sent_at",
                json!("2030-01-01 09:00:00+03:00"),
                "first_sent_at",
            ),
            make(
                "first_sent_at",
                json!("2030-01-01T09:00:00+0300"),
                "first_sent_at",
            ),
            make(
                "first_sent_at",
                json!("2030-01-01T09:00:00\u{2212}03:00"),
                "first_sent_at",
            ),
            make(
                "first_sent_at",
                json!("2016-12-31T23:59:60Z"),
                "first_sent_at",
            ),
            make("first_sent_at", json!(""), "first_sent_at"),
            make("first_sent_at", json!(1_893_477_600), "first_sent_at"),
            make(
                "sent_completed_at",
                json!("+10000-01-01T00:00:00Z"),
                "sent_completed_at",
            ),
            make(
                "sent_completed_at",
                json!("2000-01-01T00:00:00Z"),
                "sent_completed_at",
            ),
            // unknown fields: status is computed, never written
            make("status", json!("completed"), "status"),
            make("launched_at", json!(start), "launched_at"),
        ]);
    }
    cases.extend([
        invalid(
            Method::POST,
            "/api/v1/mailings",
            json!({"first_sent_at": start, "sent_completed_at": end, "recipient_ids": [1]}),
            "message_id",
        ),
        invalid(
            Method::POST,
            "/api/v1/mailings",
            json!({"message_id": 1, "first_sent_at": start, "sent_completed_at": end}),
            "recipient_ids",
        ),
        // the end at the very start of the window given
        post(
            "sent_completed_at",
            json!("2030-01-01T06:00:00Z"),
            "sent_completed_at",
        ),
        refused(
            Method::POST,
            "/api/v1/mailings",
            Some("application/json"),
            with("message_id", json!(0))
                .to_string()
                .replace(r#""message_id":0"#, r#""message_id":1e400"#),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        post("recipient_ids", json!(null), "recipient_ids"),
        post("first_sent_at", json!(null), "first_sent_at"),
    ]);
    assert_refused(&s, cases).await;
}

#[tokio::test]
async fn bodies_that_are_not_json_objects_are_400_415_or_413_and_change_nothing() {
    let s = seeded().await;
    let json = Some("application/json");
    let bad = StatusCode::BAD_REQUEST;
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let huge = format!(
        r#"{{"subject":"S","body_text":"{}"}}"#,
        "x".repeat(4 * 1024 * 1024 + 1)
    );
    let mut cases = Vec::new();
    for (method, path) in [
        (Method::POST, "/api/v1/recipients"),
        (Method::PATCH, "/api/v1/recipients/1"),
        (Method::POST, "/api/v1/messages"),
        (Method::PATCH, "/api/v1/messages/1"),
        (Method::POST, "/api/v1/mailings"),
        (Method::PATCH, "/api/v1/mailings/1"),
    ] {
        let m = || method.clone();
        cases.extend([
            refused(m(), path, json, "", bad, "bad_request"),
            refused(m(), path, json, "{", bad, "bad_request"),
            refused(m(), path, json, "null", bad, "bad_request"),
            refused(m(), path, json, "[]", bad, "bad_request"),
            refused(m(), path, json, "\"text\"", bad, "bad_request"),
            refused(m(), path, json, "42", bad, "bad_request"),
            refused(m(), path, json, "{1: 2}", bad, "bad_request"),
            refused(m(), path, json, "{'single': 'quotes'}", bad, "bad_request"),
            refused(
                m(),
                path,
                json,
                &b"{\"\xff\xfe\": 1}"[..],
                bad,
                "bad_request",
            ),
            refused(m(), path, json, r#"{"\ud800": 1}"#, bad, "bad_request"),
            refused(m(), path, json, "\u{feff}{}", bad, "bad_request"),
            refused(m(), path, json, deep.clone(), bad, "bad_request"),
            refused(
                m(),
                path,
                json,
                huge.clone(),
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
            ),
            refused(
                m(),
                path,
                None,
                "{}",
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
            ),
            refused(
                m(),
                path,
                Some("text/plain"),
                "{}",
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
            ),
            refused(
                m(),
                path,
                Some("application/x-www-form-urlencoded"),
                "email=a",
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
            ),
            refused(
                m(),
                path,
                Some("application/jsonx"),
                "{}",
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
            ),
        ]);
    }
    // serde's derived structs also read an array of their fields in order:
    // each of these, the right length for its type, would be stored.
    let (start, end) = ("2030-01-01T09:00:00+03:00", "2030-01-02T09:00:00+03:00");
    for (method, path, array) in [
        (
            Method::POST,
            "/api/v1/recipients",
            json!(["new@example.com", "Новый"]),
        ),
        (
            Method::POST,
            "/api/v1/recipients",
            json!(["new@example.com", "Новый", "VIP"]),
        ),
        (
            Method::PATCH,
            "/api/v1/recipients/1",
            json!(["new@example.com", "Новый", "VIP"]),
        ),
        (
            Method::PATCH,
            "/api/v1/recipients/1",
            json!([null, null, null]),
        ),
        (Method::POST, "/api/v1/messages", json!(["Тема", "Тело"])),
        (Method::PATCH, "/api/v1/messages/1", json!(["Тема", "Тело"])),
        (Method::PATCH, "/api/v1/messages/1", json!([null, null])),
        (
            Method::POST,
            "/api/v1/mailings",
            json!([1, start, end, [1]]),
        ),
        (
            Method::PATCH,
            "/api/v1/mailings/1",
            json!([1, start, end, [1]]),
        ),
        (
            Method::PATCH,
            "/api/v1/mailings/1",
            json!([null, null, null, null]),
        ),
    ] {
        let text = array.to_string();
        cases.push(refused(
            method.clone(),
            path,
            json,
            text.clone(),
            bad,
            "bad_request",
        ));
        cases.push(refused(
            method,
            path,
            json,
            format!(" \n{text}"),
            bad,
            "bad_request",
        ));
    }
    assert_refused(&s, cases).await;
}

#[tokio::test]
async fn values_of_the_wrong_json_type_are_422_in_words_of_json_not_of_rust() {
    let s = seeded().await;
    let text = || {
        [
            json!([1, 2]),
            json!({"a": 1}),
            json!(1.5),
            json!(true),
            json!(7),
        ]
    };
    let id = || {
        [
            json!([1]),
            json!({"a": 1}),
            json!(1.5),
            json!(-1e300),
            json!(true),
            json!("1"),
        ]
    };
    let time = || {
        [
            json!(["2030-01-01T09:00:00Z"]),
            json!({}),
            json!(1.5),
            json!(true),
        ]
    };
    let ids = || {
        [
            json!({"1": 1}),
            json!(1),
            json!("1"),
            json!(true),
            json!([1.5]),
            json!([[1]]),
            json!([{"id": 1}]),
            json!(["1"]),
            json!([true]),
        ]
    };
    let fields = [
        ("recipients", "email", text().to_vec()),
        ("recipients", "full_name", text().to_vec()),
        ("recipients", "comment", text().to_vec()),
        ("messages", "subject", text().to_vec()),
        ("messages", "body_text", text().to_vec()),
        ("mailings", "message_id", id().to_vec()),
        ("mailings", "first_sent_at", time().to_vec()),
        ("mailings", "sent_completed_at", time().to_vec()),
        ("mailings", "recipient_ids", ids().to_vec()),
    ];
    let mut cases = Vec::new();
    for (resource, field, values) in fields {
        for value in values {
            let body = json!({ field: value });
            let post = format!("/api/v1/{resource}");
            cases.push(invalid(Method::POST, &post, body.clone(), field));
            cases.push(invalid(Method::PATCH, &format!("{post}/1"), body, field));
        }
    }
    assert_refused(&s, cases).await;
}

#[tokio::test]
async fn ids_in_the_path_that_name_nothing_are_404_and_change_nothing() {
    let s = seeded().await;
    let mut cases = Vec::new();
    for resource in ["recipients", "messages", "mailings"] {
        for id in [
            "abc",
            "99999999999999999999",
            "-1",
            "0",
            "1.5",
            "1e3",
            "%00",
            "%FF",
            "1%0A",
            "+1",
            "%20",
            "0x10",
            "01",
        ] {
            let path = format!("/api/v1/{resource}/{id}");
            cases.push(not_found(Method::GET, &path));
            cases.push(not_found(Method::PATCH, &path));
            cases.push(not_found(Method::DELETE, &path));
        }
        cases.push(not_found(
            Method::GET,
            &format!("/api/v1/{resource}/1/extra"),
        ));
    }
    for path in [
        "/api/v1/mailings/abc/send",
        "/api/v1/mailings/99999999999999999999/send",
        "/api/v1/mailings/-1/send",
    ] {
        cases.push(refused(
            Method::POST,
            path,
            None,
            "",
            StatusCode::NOT_FOUND,
            "not_found",
        ));
    }
    for path in [
        "/api/v1/mailings/abc/runs",
        "/api/v1/mailings/1/runs/abc",
        "/api/v1/mailings/1/runs/99999999999999999999",
        "/api/v1/mailings/1/runs/-1",
        "/api/v1/mailings/%FF/attempts",
        "/api/v1/mailings/999/attempts",
        "/api/v1/no-such-thing",
        "/api/v1/",
        "/api/v1",
        "/api/",
        "/api/v2/recipients",
    ] {
        cases.push(not_found(Method::GET, path));
    }
    assert_refused(&s, cases).await;
}

#[tokio::test]
async fn bad_paging_in_the_query_is_422_naming_the_parameter() {
    let s = seeded().await;
    let mut cases = Vec::new();
    for list in [
        "/api/v1/recipients",
        "/api/v1/messages",
        "/api/v1/mailings",
        "/api/v1/mailings/1/runs",
        "/api/v1/mailings/1/attempts",
    ] {
        for (query, field) in [
            ("limit=-1", "limit"),
            ("limit=abc", "limit"),
            ("limit=0", "limit"),
            ("limit=1001", "limit"),
            ("limit=", "limit"),
            ("limit=1.5", "limit"),
            ("limit=%FF", "limit"),
            ("limit=10%00", "limit"),
            ("limit=99999999999999999999", "limit"),
            ("limit=5&limit=abc", "limit"),
            ("offset=1e9", "offset"),
            ("offset=-1", "offset"),
            ("offset=99999999999999999999", "offset"),
            ("offset=%20", "offset"),
        ] {
            cases.push(bad_query(&format!("{list}?{query}"), field));
        }
    }
    assert_refused(&s, cases).await;
    // The largest offset there is answers an empty page, not an error.
    let far = s
        .get("/api/v1/recipients?offset=18446744073709551615")
        .await;
    assert_eq!(far.status, StatusCode::OK, "{}", far.text);
    assert_eq!(far.json["items"], json!([]));
}

#[tokio::test]
async fn nulls_in_a_patch_keep_the_stored_values() {
    let s = seeded().await;
    let before = s.get("/api/v1/recipients/1").await.json;
    let reply = s
        .patch(
            "/api/v1/recipients/1",
            json!({"email": null, "full_name": null, "comment": null}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json, before);
}
