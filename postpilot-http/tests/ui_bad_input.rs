//! The web UI's doors tried with bad input: every form with each class of
//! bad field (re-rendered 422 with the error beside the field and the rest
//! of the input kept), form bodies that are not UTF-8, too large or not
//! forms, ids in the path and page numbers in the query. Nothing stored
//! changes. And every HTML answer carries the security headers.

mod support;

use axum::http::StatusCode;
use support::{get_request, Browser, Reply, Server};

/// A server with recipient 1, message 1 and mailing 1 to recipient 1.
async fn seeded() -> Server {
    let s = Server::new().await;
    let r = s.recipient("ivan@example.com", "Иван").await;
    let m = s.message("Тема").await;
    s.open_mailing(m, &[r]).await;
    s
}

/// The page shows `field`'s error right beside it and ties it to the control.
fn assert_error_beside(reply: &Reply, field: &str, shown: &str) {
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{shown}: {}",
        reply.text
    );
    assert!(
        reply
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/html")),
        "{shown}"
    );
    let html = &reply.text;
    assert!(
        html.contains(&format!(r#"id="{field}-error""#)),
        "{shown}: no error beside {field}"
    );
    assert!(
        html.contains(&format!(r#"aria-describedby="{field}-error""#))
            || html.contains(&format!(r#"id="{field}""#)),
        "{shown}: the error is not tied to {field}"
    );
    assert_eq!(
        html.matches("field-error").count(),
        1,
        "{shown}: only {field} is at fault"
    );
}

#[tokio::test]
async fn bad_recipient_forms_are_shown_again_with_the_error_beside_the_field() {
    let s = seeded().await;
    let b = Browser::log_in(&s).await;
    let before = s.snapshot().await;
    let long_name = "Я".repeat(101);
    let long_comment = "к".repeat(10_001);
    let long_email = format!("{}@example.com", "a".repeat(250));
    let cases: &[(&str, &str, &str, &str)] = &[
        ("a@example.com", "Bell\u{7}", "", "full_name"),
        ("a@example.com", "Two\nlines", "", "full_name"),
        ("a@example.com", "Two\r\nlines", "", "full_name"),
        ("a@example.com", "NUL\u{0}", "", "full_name"),
        ("a@example.com", "Bidi\u{202E}x", "", "full_name"),
        ("a@example.com", &long_name, "", "full_name"),
        ("a@example.com", "  ", "", "full_name"),
        ("a@example.com", "A", "\u{1b}[31m", "comment"),
        ("a@example.com", "A", &long_comment, "comment"),
        ("a@exam\nple.com", "A", "", "email"),
        ("a b@example.com", "A", "", "email"),
        ("a..b@example.com", "A", "", "email"),
        ("иван@пример.рф", "A", "", "email"),
        ("\"ivan\"@example.com", "A", "", "email"),
        ("ivan", "A", "", "email"),
        (&long_email, "A", "", "email"),
        ("", "A", "", "email"),
    ];
    for path in ["/recipients", "/recipients/1"] {
        for (email, name, comment, field) in cases {
            let reply = b
                .post(
                    path,
                    &[("email", email), ("full_name", name), ("comment", comment)],
                )
                .await;
            assert_error_beside(&reply, field, &format!("{path} {email:?} {name:?}"));
        }
    }
    assert_eq!(
        s.snapshot().await,
        before,
        "a refused form changed something"
    );
}

#[tokio::test]
async fn bad_message_forms_are_shown_again_with_the_error_beside_the_field() {
    let s = seeded().await;
    let b = Browser::log_in(&s).await;
    let before = s.snapshot().await;
    let long_subject = "s".repeat(101);
    let long_body = "x".repeat(1_000_001);
    let cases: &[(&str, &str, &str)] = &[
        ("Hi\nBcc: x@example.com", "B", "subject"),
        ("Hi\r", "B", "subject"),
        ("Tab\there", "B", "subject"),
        ("Sep\u{2028}", "B", "subject"),
        (&long_subject, "B", "subject"),
        ("", "B", "subject"),
        ("S", " \r\n ", "body_text"),
        ("S", "nul \u{0}", "body_text"),
        ("S", &long_body, "body_text"),
    ];
    for path in ["/messages", "/messages/1"] {
        for (subject, body, field) in cases {
            let reply = b
                .post(path, &[("subject", subject), ("body_text", body)])
                .await;
            assert_error_beside(&reply, field, &format!("{path} {subject:?}"));
        }
    }
    assert_eq!(s.snapshot().await, before);
}

#[tokio::test]
async fn bad_mailing_forms_are_shown_again_with_the_error_beside_the_field() {
    let s = seeded().await;
    let b = Browser::log_in(&s).await;
    let before = s.snapshot().await;
    let (start, end) = ("2030-01-01T09:00", "2030-01-02T09:00");
    let form =
        |message: &'static str, from: &'static str, to: &'static str, ids: &[&'static str]| {
            let mut fields = vec![
                ("message_id", message),
                ("first_sent_at", from),
                ("sent_completed_at", to),
            ];
            fields.extend(ids.iter().map(|id| ("recipient_ids", *id)));
            fields
        };
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (form("", start, end, &["1"]), "message_id"),
        (form("abc", start, end, &["1"]), "message_id"),
        (
            form("99999999999999999999", start, end, &["1"]),
            "message_id",
        ),
        (form("-1", start, end, &["1"]), "message_id"),
        (form("+1", start, end, &["1"]), "message_id"),
        (form("999", start, end, &["1"]), "message_id"),
        (form("1", "2026-02-30T10:00", end, &["1"]), "first_sent_at"),
        (form("1", "2030-01-01T25:00", end, &["1"]), "first_sent_at"),
        (
            form("1", "2030-01-01T09:00+03:00", end, &["1"]),
            "first_sent_at",
        ),
        (form("1", "tomorrow", end, &["1"]), "first_sent_at"),
        (form("1", "", end, &["1"]), "first_sent_at"),
        (
            form("1", start, "+10000-01-01T00:00", &["1"]),
            "sent_completed_at",
        ),
        (
            form("1", start, "2030-01-01 09:00\n", &["1"]),
            "sent_completed_at",
        ),
        (form("1", end, start, &["1"]), "sent_completed_at"),
        (form("1", start, start, &["1"]), "sent_completed_at"),
        (form("1", start, end, &[]), "recipient_ids"),
        (form("1", start, end, &["abc"]), "recipient_ids"),
        (form("1", start, end, &["1", "1"]), "recipient_ids"),
        (
            form("1", start, end, &["99999999999999999999"]),
            "recipient_ids",
        ),
        (form("1", start, end, &["999"]), "recipient_ids"),
    ];
    for path in ["/mailings", "/mailings/1"] {
        for (fields, field) in &cases {
            if path != "/mailings" && *field == "recipient_ids" {
                continue; // an edit never reads recipients (see ui_mailing_recipients.rs)
            }
            let reply = b.post(path, fields).await;
            assert_error_beside(&reply, field, &format!("{path} {fields:?}"));
            assert!(
                reply.text.contains(r#"<option value="1" selected"#) == (fields[0].1 == "1"),
                "{path} {fields:?}: the chosen message is kept"
            );
        }
    }
    assert_eq!(s.snapshot().await, before);
}

#[tokio::test]
async fn form_bodies_that_are_not_utf8_too_large_or_not_forms_are_refused_and_change_nothing() {
    let s = Server::with(|c| c.body_limit = 64 * 1024).await;
    s.recipient("ivan@example.com", "Иван").await;
    let b = Browser::log_in(&s).await;
    let before = s.snapshot().await;
    let csrf = format!("csrf={}&", b.csrf);
    let form = "application/x-www-form-urlencoded";
    let cases: Vec<(&str, &str, Vec<u8>, StatusCode)> = vec![
        (
            form,
            "/recipients",
            format!("{csrf}email=a%40example.com&full_name=%FF%FE").into_bytes(),
            StatusCode::BAD_REQUEST,
        ),
        (
            form,
            "/recipients",
            [csrf.as_bytes(), b"email=a%40example.com&full_name=\xff"].concat(),
            StatusCode::BAD_REQUEST,
        ),
        (
            form,
            "/recipients/1",
            format!("{csrf}email=a%40example.com&full_name=%C3").into_bytes(),
            StatusCode::BAD_REQUEST,
        ),
        (
            form,
            "/messages",
            format!("{csrf}subject=S&body_text=%ED%A0%80").into_bytes(),
            StatusCode::BAD_REQUEST,
        ),
        (
            form,
            "/recipients",
            format!(
                "{csrf}email=a%40example.com&full_name=A&comment={}",
                "x".repeat(70 * 1024)
            )
            .into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            "application/json",
            "/recipients",
            br#"{"email":"a@example.com","full_name":"A"}"#.to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "multipart/form-data; boundary=x",
            "/recipients",
            b"--x--".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "text/plain",
            "/messages",
            b"subject=S".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
    ];
    for (content_type, path, body, status) in cases {
        let shown = format!(
            "{content_type} {path} {:?}",
            String::from_utf8_lossy(&body[..body.len().min(80)])
        );
        let reply = b.post_bytes(path, content_type, body).await;
        assert_eq!(reply.status, status, "{shown}: {}", reply.text);
        assert!(
            reply
                .header("content-type")
                .is_some_and(|t| t.starts_with("text/html")),
            "{shown}"
        );
    }
    assert_eq!(s.snapshot().await, before);
}

#[tokio::test]
async fn ids_in_ui_paths_that_name_nothing_are_html_404_and_change_nothing() {
    let s = seeded().await;
    let b = Browser::log_in(&s).await;
    let before = s.snapshot().await;
    for resource in ["recipients", "messages", "mailings"] {
        for id in [
            "abc",
            "99999999999999999999",
            "-1",
            "0",
            "01",
            "+1",
            "1.5",
            "%FF",
            "%00",
            "%20",
        ] {
            let gets = [
                format!("/{resource}/{id}/edit"),
                format!("/{resource}/{id}/delete"),
            ];
            for path in &gets {
                let reply = b.get(path).await;
                assert_eq!(reply.status, StatusCode::NOT_FOUND, "GET {path}");
                assert!(reply.text.contains("Не найдено"), "GET {path}");
            }
            for path in [
                format!("/{resource}/{id}"),
                format!("/{resource}/{id}/delete"),
            ] {
                let reply = b.post(&path, &[]).await;
                assert_eq!(reply.status, StatusCode::NOT_FOUND, "POST {path}");
                assert!(reply.text.contains("Не найдено"), "POST {path}");
            }
        }
    }
    let reply = b.post("/mailings/99999999999999999999/send", &[]).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(s.snapshot().await, before);
}

#[tokio::test]
async fn bad_page_numbers_in_the_query_show_the_first_page() {
    let s = seeded().await;
    let b = Browser::log_in(&s).await;
    for list in ["/recipients", "/messages", "/mailings"] {
        let first = b.get(list).await;
        for query in [
            "page=-1",
            "page=abc",
            "page=0",
            "page=1e9",
            "page=99999999999999999999",
            "page=%FF",
            "page=",
        ] {
            let reply = b.get(&format!("{list}?{query}")).await;
            assert_eq!(reply.status, StatusCode::OK, "{list}?{query}");
            assert_eq!(reply.text, first.text, "{list}?{query}");
        }
    }
}

const HTML_HEADERS: [(&str, &str); 4] = [
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    ("content-security-policy", "frame-ancestors 'none'"),
];

fn assert_security_headers(reply: &Reply, shown: &str) {
    for (name, value) in HTML_HEADERS {
        let got = reply.header(name).unwrap_or_default();
        assert!(got.contains(value), "{shown}: {name} is {got:?}");
    }
    let csp = reply.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("default-src 'none'"), "{shown}: {csp}");
    assert!(
        !csp.contains("script-src"),
        "{shown}: no script may run: {csp}"
    );
}

#[tokio::test]
async fn every_ui_page_and_answer_carries_the_security_headers() {
    let s = seeded().await;
    s.post("/api/v1/mailings/1/send", serde_json::json!({}))
        .await;
    let b = Browser::log_in(&s).await;
    for path in [
        "/",
        "/recipients",
        "/recipients/new",
        "/recipients/1/edit",
        "/recipients/1/delete",
        "/messages",
        "/messages/new",
        "/messages/1/edit",
        "/messages/1/delete",
        "/mailings",
        "/mailings/new",
        "/mailings/1",
        "/mailings/1/edit",
        "/mailings/1/delete",
        "/recipients?page=2",
        "/no-such-page",
        "/mailings/999",
        "/static/style.css",
    ] {
        let reply = b.get(path).await;
        assert!(
            reply.status.is_success() || reply.status == StatusCode::NOT_FOUND,
            "{path}: {}",
            reply.status
        );
        assert_security_headers(&reply, &format!("GET {path}"));
    }
    // Answers other than pages: the login page, refusals, redirects, errors.
    let answers = [
        ("login form", s.send(get_request("/login", None)).await),
        (
            "wrong login",
            s.send(get_request("/login?token=wrong-token-0000", None))
                .await,
        ),
        ("no session", s.send(get_request("/recipients", None)).await),
        ("422 form", b.post("/recipients", &[("email", "bad")]).await),
        (
            "403 CSRF",
            b.post_raw("/recipients", &[("email", "a@example.com")], &[])
                .await,
        ),
        (
            "303 after a form",
            b.post("/messages", &[("subject", "S"), ("body_text", "B")])
                .await,
        ),
        (
            "400 not UTF-8",
            b.post_bytes(
                "/messages",
                "application/x-www-form-urlencoded",
                b"subject=%FF".to_vec(),
            )
            .await,
        ),
        (
            "415 not a form",
            b.post_bytes("/messages", "text/plain", b"x".to_vec()).await,
        ),
        ("405 wrong method", b.post("/", &[]).await),
    ];
    for (what, reply) in &answers {
        assert_security_headers(reply, what);
    }
}
