//! Fuzz-style property tests of the whole router over a real SQLite store:
//! arbitrary bytes and arbitrary JSON as the body of every POST and PATCH
//! of the API, arbitrary path segments and query strings on every route,
//! arbitrary form bodies on every form of the UI. Whatever comes in, the
//! answer is never a 5xx and never a panic; every API error has the error
//! shape and speaks of JSON, not Rust; every answer carries the security
//! headers.

mod support;

use axum::body::Body;
use axum::http::{header, Method, Request, Uri};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};
use support::{Browser, Reply, Server, TOKEN};

const CASES: u32 = 256;

/// Everything but the unreserved characters of a URI is escaped.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `CASES` cases; a failure is shrunk and shown, not saved to a file.
fn runner() -> TestRunner {
    TestRunner::new(Config {
        failure_persistence: None,
        ..Config::with_cases(CASES)
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// A server with recipient 1, message 1 and mailing 1 to recipient 1.
async fn seeded() -> Server {
    let s = Server::new().await;
    let r = s.recipient("ivan@example.com", "Иван").await;
    let m = s.message("Тема").await;
    s.open_mailing(m, &[r]).await;
    s
}

/// Never a 5xx, the API's error shape on every API error, security headers.
fn check(reply: &Reply, api: bool, shown: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        !reply.status.is_server_error(),
        "{}: {} {}",
        shown,
        reply.status,
        reply.text
    );
    prop_assert_eq!(
        reply.header("x-content-type-options"),
        Some("nosniff"),
        "{}",
        shown
    );
    prop_assert!(
        reply
            .header("content-security-policy")
            .is_some_and(|csp| csp.contains("frame-ancestors 'none'")),
        "{}",
        shown
    );
    if api && reply.status.is_client_error() {
        let error = &reply.json["error"];
        prop_assert!(error["code"].is_string(), "{}: {}", shown, reply.text);
        prop_assert!(error["message"].is_string(), "{}: {}", shown, reply.text);
        prop_assert!(
            error["field"].is_string() || error["field"].is_null(),
            "{}: {}",
            shown,
            reply.text
        );
    }
    if api && reply.status.is_client_error() {
        let message = reply.json["error"]["message"].as_str().unwrap_or_default();
        let word = support::rust_word_in(message);
        prop_assert!(word.is_none(), "{}: {:?} in {}", shown, word, message);
    }
    if api && reply.status.is_success() && !reply.text.is_empty() {
        prop_assert!(!reply.json.is_null(), "{}: {}", shown, reply.text);
    }
    Ok(())
}

fn shown_body(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned()
}

/// The names of every field the API reads, and a few it does not.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "email", "full_name", "comment", "subject", "body_text", "message_id",
            "first_sent_at", "sent_completed_at", "recipient_ids", "id", "status", "all", "search", "list_id",
        ])
        .prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

/// JSON values, with strings that look like addresses and times often
/// enough to reach the deep rules.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-2i64..1000).prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        any::<String>().prop_map(Value::from),
        "[a-z.+\"]{0,10}@[a-zа-я.-]{0,10}".prop_map(Value::from),
        "[+-]?[0-9]{1,6}-[0-9]{1,2}-[0-9]{1,2}[T t][0-9]{1,2}:[0-9]{1,2}(:[0-9]{1,2}(\\.[0-9]{1,9})?)?(Z|z|[+-][0-9]{1,2}(:[0-9]{2})?)?"
            .prop_map(Value::from),
        Just(json!("2030-01-01T09:00:00Z")),
        Just(json!("2030-01-02T09:00:00Z")),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Bodies: arbitrary bytes, arbitrary JSON objects with the API's field
/// names, and valid bodies with a few bytes changed.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let valid = prop::sample::select(vec![
        r#"{"email":"new@example.com","full_name":"Новый","comment":"c"}"#,
        r#"{"subject":"Тема","body_text":"Текст"}"#,
        r#"{"message_id":1,"first_sent_at":"2030-01-01T09:00:00+03:00","sent_completed_at":"2030-01-02T09:00:00+03:00","recipient_ids":[1]}"#,
    ]);
    let mutated = (
        valid,
        prop::collection::vec(
            (any::<prop::sample::Index>(), any::<u8>(), any::<bool>()),
            1..6,
        ),
    )
        .prop_map(|(text, edits)| {
            let mut bytes = text.as_bytes().to_vec();
            for (at, byte, insert) in edits {
                let i = at.index(bytes.len() + 1);
                if insert || i == bytes.len() {
                    bytes.insert(i, byte);
                } else {
                    bytes[i] = byte;
                }
            }
            bytes
        });
    prop_oneof![
        2 => prop::collection::vec(any::<u8>(), 0..300),
        3 => prop::collection::btree_map(key(), json_value(), 0..6)
            .prop_map(|m| Value::Object(m.into_iter().collect()).to_string().into_bytes()),
        2 => mutated,
        1 => json_value().prop_map(|v| v.to_string().into_bytes()),
    ]
}

fn content_type() -> impl Strategy<Value = Option<&'static str>> {
    prop_oneof![
        8 => Just(Some("application/json")),
        1 => Just(None),
        1 => prop::sample::select(vec![
            Some("text/plain"),
            Some("application/json; charset=latin1"),
            Some("application/problem+json"),
            Some("application/x-www-form-urlencoded"),
            Some("APPLICATION/JSON"),
            Some("application/ json"),
        ]),
    ]
}

#[test]
fn arbitrary_bodies_on_every_post_and_patch_of_the_api_never_cause_a_5xx() {
    let rt = runtime();
    let s = rt.block_on(seeded());
    let endpoints = prop::sample::select(vec![
        (Method::POST, "/api/v1/recipients"),
        (Method::PATCH, "/api/v1/recipients/1"),
        (Method::POST, "/api/v1/messages"),
        (Method::PATCH, "/api/v1/messages/1"),
        (Method::POST, "/api/v1/mailings"),
        (Method::PATCH, "/api/v1/mailings/1"),
        (Method::POST, "/api/v1/mailings/1/send"),
        (Method::POST, "/api/v1/mailings/1/recipients"),
        (Method::POST, "/api/v1/mailings/1/recipients/remove"),
    ]);
    let mut runner = runner();
    runner
        .run(
            &(endpoints, content_type(), body()),
            |((method, path), content_type, body)| {
                let mut request = Request::builder()
                    .method(method.clone())
                    .uri(path)
                    .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"));
                if let Some(ct) = content_type {
                    request = request.header(header::CONTENT_TYPE, ct);
                }
                let shown = format!("{method} {path} {content_type:?} {:?}", shown_body(&body));
                let request = request.body(Body::from(body)).expect("request");
                let reply = rt.block_on(s.send(request));
                check(&reply, true, &shown)
            },
        )
        .expect("no body makes the API fail");
}

/// A path segment: arbitrary bytes escaped, URI characters as they are,
/// and numbers of every size and sign.
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => prop::collection::vec(any::<u8>(), 0..24)
            .prop_map(|b| percent_encoding::percent_encode(&b, SEGMENT).to_string()),
        2 => "[a-zA-Z0-9._~!$&'()*+,;=:@%-]{0,20}",
        2 => "[+-]?0*[0-9]{1,25}",
        1 => any::<String>().prop_map(|s| utf8_percent_encode(&s, SEGMENT).to_string()),
    ]
}

/// A query string: paging parameters with odd values, or arbitrary bytes.
fn query() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        3 => prop::sample::select(vec!["limit", "offset", "page", "token", "notice"]).prop_map(str::to_owned),
        1 => any::<String>(),
    ];
    let value = prop_oneof!["[+-]?[0-9]{0,22}(\\.[0-9])?(e[0-9]{1,3})?", any::<String>(),];
    prop_oneof![
        3 => prop::collection::vec((name, value), 0..4).prop_map(|pairs| {
            form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
        }),
        1 => "[a-zA-Z0-9=&%+.;-]{0,40}",
        1 => prop::collection::vec(any::<u8>(), 0..40)
            .prop_map(|b| percent_encoding::percent_encode(&b, SEGMENT).to_string()),
    ]
}

/// A path from `template` with `{}` replaced by `segment` and `{q}` by `query`.
fn path(template: &str, segment: &str, query: &str) -> Option<Uri> {
    template
        .replace("{}", segment)
        .replace("{q}", query)
        .parse()
        .ok()
}

#[test]
fn arbitrary_path_segments_and_query_strings_on_the_api_never_cause_a_5xx() {
    let rt = runtime();
    let s = rt.block_on(seeded());
    let templates = prop::sample::select(vec![
        "/api/v1/recipients/{}",
        "/api/v1/messages/{}",
        "/api/v1/mailings/{}",
        "/api/v1/mailings/{}/send",
        "/api/v1/mailings/{}/runs",
        "/api/v1/mailings/1/runs/{}",
        "/api/v1/mailings/{}/attempts",
        "/api/v1/{}",
        "/api/v1/recipients/{}/{}",
        "/api/v1/recipients?{q}",
        "/api/v1/messages?{q}",
        "/api/v1/mailings?{q}",
        "/api/v1/mailings/1/attempts?{q}",
        "/api/v1/mailings/{}/recipients",
        "/api/v1/mailings/1/recipients?{q}",
        "/api/v1/mailings/1/runs?{q}",
        "/api/v1/stats?{q}",
        "/api/v1/recipients/{}?{q}",
    ]);
    let methods = prop::sample::select(vec![
        Method::GET,
        Method::DELETE,
        Method::PATCH,
        Method::POST,
    ]);
    let mut runner = runner();
    runner
        .run(
            &(templates, segment(), query(), methods),
            |(template, segment, query, method)| {
                let Some(uri) = path(template, &segment, &query) else {
                    return Err(TestCaseError::reject("not a URI"));
                };
                let shown = format!("{method} {uri}");
                let request = Request::builder()
                    .method(method)
                    .uri(uri)
                    .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from("{}"))
                    .expect("request");
                let reply = rt.block_on(s.send(request));
                check(&reply, true, &shown)
            },
        )
        .expect("no path or query makes the API fail");
}

#[test]
fn arbitrary_paths_queries_and_form_bodies_on_the_ui_never_cause_a_5xx() {
    let rt = runtime();
    let s = rt.block_on(seeded());
    let b = rt.block_on(Browser::log_in(&s));
    let pages = prop::sample::select(vec![
        "/recipients/{}/edit",
        "/recipients/{}/delete",
        "/messages/{}/edit",
        "/mailings/{}",
        "/mailings/{}/edit",
        "/{}",
        "/recipients?{q}",
        "/mailings/1?{q}",
        "/mailings/{}/recipients",
        "/mailings/1/recipients?{q}",
        "/login?{q}",
    ]);
    let forms = prop::sample::select(vec![
        "/recipients",
        "/recipients/{}",
        "/messages",
        "/messages/1",
        "/mailings",
        "/mailings/{}",
        "/mailings/1/send",
        "/mailings/{}/recipients/add",
        "/mailings/1/recipients/remove",
        "/login",
    ]);
    let field = prop_oneof![
        3 => prop::sample::select(vec![
            "email", "full_name", "comment", "subject", "body_text", "message_id",
            "first_sent_at", "sent_completed_at", "recipient_ids", "all_recipients", "token",
            "all", "search", "q", "find",
        ])
        .prop_map(str::to_owned),
        1 => any::<String>(),
    ];
    let form_body = prop_oneof![
        3 => prop::collection::vec((field, any::<String>()), 0..8).prop_map(|pairs| {
            form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish().into_bytes()
        }),
        1 => prop::collection::vec(any::<u8>(), 0..200),
    ];
    let mut runner = runner();
    runner
        .run(
            &(
                pages,
                forms,
                segment(),
                query(),
                form_body,
                any::<bool>(),
                any::<bool>(),
            ),
            |(page, form, segment, query, body, post, with_csrf)| {
                let reply = if post {
                    let Some(uri) = path(form, &segment, "") else {
                        return Err(TestCaseError::reject("not a URI"));
                    };
                    let body = if with_csrf {
                        [format!("csrf={}&", b.csrf).as_bytes(), &body].concat()
                    } else {
                        body
                    };
                    let shown = format!("POST {uri} {:?}", shown_body(&body));
                    let reply = rt.block_on(b.post_bytes(
                        &uri.to_string(),
                        "application/x-www-form-urlencoded",
                        body,
                    ));
                    (reply, shown)
                } else {
                    let Some(uri) = path(page, &segment, &query) else {
                        return Err(TestCaseError::reject("not a URI"));
                    };
                    let shown = format!("GET {uri}");
                    (rt.block_on(b.get(&uri.to_string())), shown)
                };
                check(&reply.0, false, &reply.1)
            },
        )
        .expect("no path, query or form makes the UI fail");
}
