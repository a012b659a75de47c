//! Users logging in through the real router: email and password for the
//! UI, their API tokens for the API; sessions kept in the database across
//! a restart and ended by a block; wrong passwords limited per account.

mod support;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use postpilot_core::{Actor, Role, TokenName};
use support::{get_request, Reply, Server, PASSWORD};

async fn log_in_from(s: &Server, ip: &str, email: &str, password: &str) -> Reply {
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("email", email)
        .append_pair("password", password)
        .finish();
    let mut request = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .expect("request");
    let addr = SocketAddr::new(ip.parse().expect("ip"), 50_000);
    request.extensions_mut().insert(ConnectInfo(addr));
    s.send(request).await
}

async fn log_in(s: &Server, email: &str, password: &str) -> Reply {
    log_in_from(s, "192.0.2.1", email, password).await
}

/// The `name=value` of a reply's session cookie.
fn cookie_of(reply: &Reply) -> String {
    let set = reply.header("set-cookie").expect("a session cookie");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    set.split(';').next().expect("pair").to_owned()
}

async fn api_with(s: &Server, token: &str) -> Reply {
    s.send(
        Request::get("/api/v1/stats")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .expect("request"),
    )
    .await
}

#[tokio::test]
async fn a_user_logs_in_with_email_and_password_and_out_again() {
    let s = Server::new().await;
    s.add_user("anna@example.com", Role::User).await;
    let reply = log_in(&s, "ANNA@example.com", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
    assert_eq!(reply.header("location"), Some("/"));
    let cookie = cookie_of(&reply);

    let home = s.send(get_request("/", Some(&cookie))).await;
    assert_eq!(home.status, StatusCode::OK);
    let login_page = s.send(get_request("/login", Some(&cookie))).await;
    assert_eq!(
        login_page.status,
        StatusCode::SEE_OTHER,
        "already logged in"
    );

    let csrf = support::csrf_of(&home.text);
    let body = format!("csrf={csrf}");
    let out = s
        .send(
            Request::post("/logout")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, &cookie)
                .header(header::HOST, "127.0.0.1:8080")
                .body(Body::from(body))
                .expect("request"),
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let after = s.send(get_request("/", Some(&cookie))).await;
    assert_eq!(
        after.header("location"),
        Some("/login"),
        "the session ended"
    );
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_are_refused_alike_without_a_session() {
    let s = Server::new().await;
    s.add_user("anna@example.com", Role::User).await;
    let wrong = log_in(&s, "anna@example.com", "not the password").await;
    let unknown = log_in(&s, "nobody@example.com", PASSWORD).await;
    for reply in [&wrong, &unknown] {
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert!(
            reply.text.contains("Неверный email или пароль"),
            "{}",
            reply.text
        );
        assert!(reply.header("set-cookie").is_none());
        assert!(!reply.text.contains(PASSWORD));
    }
}

#[tokio::test]
async fn a_users_session_survives_a_restart_and_ends_at_once_when_they_are_blocked() {
    let s = Server::new().await;
    let anna = s.add_user("anna@example.com", Role::User).await;
    let cookie = cookie_of(&log_in(&s, "anna@example.com", PASSWORD).await);

    let s = s.restarted().await;
    let home = s.send(get_request("/", Some(&cookie))).await;
    assert_eq!(
        home.status,
        StatusCode::OK,
        "the session is in the database"
    );

    let uses = s.uses();
    uses.accounts
        .set_blocked(&Actor::System, anna.id, true)
        .await
        .expect("blocked");
    let blocked = s.send(get_request("/", Some(&cookie))).await;
    assert_eq!(blocked.header("location"), Some("/login"));
    let again = log_in(&s, "anna@example.com", PASSWORD).await;
    assert_eq!(again.status, StatusCode::FORBIDDEN);
    assert!(again.text.contains("заблокирована"), "{}", again.text);
}

#[tokio::test]
async fn a_users_api_token_answers_as_them_until_revoked_or_they_are_blocked() {
    let s = Server::new().await;
    let anna = s.add_user("anna@example.com", Role::User).await;
    let uses = s.uses();
    let me = Actor::User(anna.clone());
    let (key, info) = uses
        .accounts
        .add_token(&me, TokenName::parse("ci").expect("valid"))
        .await
        .expect("token");
    assert_eq!(api_with(&s, key.expose()).await.status, StatusCode::OK);

    uses.accounts
        .set_blocked(&Actor::System, anna.id, true)
        .await
        .expect("blocked");
    assert_eq!(
        api_with(&s, key.expose()).await.status,
        StatusCode::UNAUTHORIZED
    );
    uses.accounts
        .set_blocked(&Actor::System, anna.id, false)
        .await
        .expect("unblocked");
    assert_eq!(api_with(&s, key.expose()).await.status, StatusCode::OK);

    uses.accounts
        .revoke_token(&me, info.id)
        .await
        .expect("revoked");
    assert_eq!(
        api_with(&s, key.expose()).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn wrong_passwords_for_one_account_from_many_addresses_lock_that_account_only() {
    let s = Server::new().await;
    s.add_user("anna@example.com", Role::User).await;
    s.add_user("boris@example.com", Role::User).await;
    for i in 0..10 {
        let ip = format!("198.51.100.{i}");
        let reply = log_in_from(&s, &ip, "anna@example.com", "guess number {i}").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "guess {i}");
    }
    let limited = log_in_from(&s, "203.0.113.5", "Anna@Example.com", PASSWORD).await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.text
    );
    assert!(limited.header("retry-after").is_some());
    assert!(limited.header("set-cookie").is_none());
    let other = log_in_from(&s, "203.0.113.5", "boris@example.com", PASSWORD).await;
    assert_eq!(
        other.status,
        StatusCode::SEE_OTHER,
        "another account is not limited"
    );
}
