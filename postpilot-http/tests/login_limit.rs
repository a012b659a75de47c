//! Guessing the token: after 10 wrong tokens within a minute from one
//! address, through `/login` or the API alike, that address is refused —
//! the right token included — with 429 and `Retry-After`, until the minute
//! is over. Other addresses are not affected.

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use postpilot_http::LoginLimit;
use support::{Reply, Server, TOKEN};

/// Requests as they arrive from `addr` through `postpilot_http::serve`.
struct Client<'a> {
    server: &'a Server,
    addr: SocketAddr,
}

impl Client<'_> {
    async fn send(&self, mut request: Request<Body>) -> Reply {
        request.extensions_mut().insert(ConnectInfo(self.addr));
        self.server.send(request).await
    }

    async fn login_form(&self, token: &str) -> Reply {
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("token", token)
            .finish();
        self.send(
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .expect("request"),
        )
        .await
    }

    async fn login_url(&self, token: &str) -> Reply {
        self.send(
            Request::get(format!("/login?token={token}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await
    }

    async fn api(&self, token: Option<&str>) -> Reply {
        let mut request = Request::get("/api/v1/stats");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        self.send(request.body(Body::empty()).expect("request"))
            .await
    }
}

fn client<'a>(server: &'a Server, ip: &str) -> Client<'a> {
    Client {
        server,
        addr: SocketAddr::new(ip.parse().expect("ip"), 50_000),
    }
}

/// Asserts a 429 with a `Retry-After` of at most `window`; returns it.
fn assert_limited(reply: &Reply, window: u64) -> u64 {
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.text
    );
    let retry: u64 = reply
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=window).contains(&retry), "Retry-After {retry}");
    assert!(
        reply.header("set-cookie").is_none(),
        "no session while limited"
    );
    retry
}

#[tokio::test]
async fn eleventh_wrong_login_is_429_with_retry_after_and_then_the_right_token_is_refused_too() {
    let s = Server::new().await;
    let guesser = client(&s, "192.0.2.7");
    for i in 0..10 {
        let reply = guesser.login_form(&format!("guess-number-{i:04}")).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "guess {i}");
    }
    let limited = guesser.login_form("guess-number-0010").await;
    assert_limited(&limited, 60);
    assert!(
        limited.text.contains("Слишком много попыток"),
        "{}",
        limited.text
    );

    assert_limited(&guesser.login_form(TOKEN).await, 60);
    assert_limited(&guesser.login_url(TOKEN).await, 60);
    let api = guesser.api(Some(TOKEN)).await;
    assert_limited(&api, 60);
    assert_eq!(
        api.json["error"]["code"], "too_many_requests",
        "{}",
        api.text
    );

    // Another address is not affected.
    let other = client(&s, "198.51.100.1");
    assert_eq!(other.login_form(TOKEN).await.status, StatusCode::SEE_OTHER);
    assert_eq!(other.api(Some(TOKEN)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn wrong_bearer_tokens_count_against_the_same_limit_as_logins() {
    let s = Server::new().await;
    let guesser = client(&s, "2001:db8:7:7::1");
    for _ in 0..5 {
        assert_eq!(
            guesser.api(Some("wrong-token-0123456789")).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            guesser.login_url("wrong-token-0123456789").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let limited = guesser.api(Some(TOKEN)).await;
    assert_limited(&limited, 60);
    assert_eq!(
        limited.error(StatusCode::TOO_MANY_REQUESTS, "too_many_requests"),
        None
    );
    // The same /64 network is one client.
    let neighbour = client(&s, "2001:db8:7:7:abcd::2");
    assert_limited(&neighbour.login_form(TOKEN).await, 60);
}

#[tokio::test]
async fn requests_without_a_token_are_not_counted_as_guesses() {
    let s = Server::new().await;
    let c = client(&s, "192.0.2.8");
    for _ in 0..30 {
        assert_eq!(c.api(None).await.status, StatusCode::UNAUTHORIZED);
        let form = c
            .send(Request::get("/login").body(Body::empty()).expect("request"))
            .await;
        assert_eq!(form.status, StatusCode::OK);
    }
    assert_eq!(c.api(Some(TOKEN)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_limit_lifts_once_the_window_has_passed() {
    let window = Duration::from_millis(400);
    let s = Server::with(|c| {
        c.login_limit = LoginLimit {
            max_failures: 3,
            window,
        }
    })
    .await;
    let c = client(&s, "192.0.2.9");
    for _ in 0..3 {
        assert_eq!(
            c.login_form("not-it-at-all-0000").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_limited(&c.login_form(TOKEN).await, 1);
    tokio::time::sleep(window + Duration::from_millis(100)).await;
    assert_eq!(c.login_form(TOKEN).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn limits_are_documented_in_the_openapi_document_for_every_operation() {
    let doc: serde_json::Value =
        serde_json::from_str(postpilot_http::openapi_json()).expect("openapi");
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("item") {
            let responses = &operation["responses"];
            assert!(
                responses.get("429").is_some(),
                "{method} {path} does not document 429"
            );
        }
    }
}
