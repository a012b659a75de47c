//! Signing up, confirming the email, and setting a forgotten password,
//! through the real router with the emails read from the outbox: each
//! link works once, and a forged or reused one does nothing.

mod support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use support::{get_request, Reply, Server};

const PASSWORD: &str = "correct horse battery";

async fn post_form(s: &Server, path: &str, fields: &[(&str, &str)]) -> Reply {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    s.send(
        Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request"),
    )
    .await
}

async fn log_in(s: &Server, email: &str, password: &str) -> StatusCode {
    post_form(s, "/login", &[("email", email), ("password", password)])
        .await
        .status
}

/// The path of the link to `https://mail.example.com` in the last email.
fn link_in_last_email(s: &Server, kind: &str) -> String {
    let emails = s.emails();
    let last = emails.last().expect("an email");
    let marker = format!("https://mail.example.com/{kind}/");
    let at = last.find(&marker).expect("the link") + "https://mail.example.com".len();
    last[at..at + kind.len() + 2 + 64].to_owned()
}

#[tokio::test]
async fn a_sign_up_is_confirmed_once_by_the_emailed_link_before_its_user_can_log_in() {
    let s = Server::open_to_sign_ups().await;
    let reply = post_form(
        &s,
        "/signup",
        &[
            ("email", "new@example.com"),
            ("full_name", "Новый"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(reply.text.contains("Проверьте почту"));
    assert_eq!(s.emails().len(), 1);
    assert!(s.emails()[0].contains("To: "), "an email to the new user");
    assert_eq!(
        log_in(&s, "new@example.com", PASSWORD).await,
        StatusCode::FORBIDDEN,
        "unconfirmed"
    );

    let link = link_in_last_email(&s, "confirm");
    let forged = format!("/confirm/{}", "0".repeat(64));
    assert_eq!(
        s.send(get_request(&forged, None)).await.status,
        StatusCode::NOT_FOUND
    );
    let confirmed = s.send(get_request(&link, None)).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text);
    assert_eq!(
        s.send(get_request(&link, None)).await.status,
        StatusCode::NOT_FOUND,
        "once"
    );
    assert_eq!(
        log_in(&s, "new@example.com", PASSWORD).await,
        StatusCode::SEE_OTHER
    );

    let again = post_form(
        &s,
        "/signup",
        &[
            ("email", "NEW@example.com"),
            ("full_name", "Другой"),
            ("password", "another password"),
        ],
    )
    .await;
    assert_eq!(
        again.status,
        StatusCode::OK,
        "the same answer for a taken address"
    );
    assert_eq!(s.emails().len(), 1, "and no email");
    assert_eq!(
        log_in(&s, "new@example.com", PASSWORD).await,
        StatusCode::SEE_OTHER,
        "unchanged"
    );
}

#[tokio::test]
async fn a_forgotten_password_is_set_once_by_the_emailed_link_and_ends_old_sessions() {
    let s = Server::open_to_sign_ups().await;
    post_form(
        &s,
        "/signup",
        &[
            ("email", "anna@example.com"),
            ("full_name", "Анна"),
            ("password", PASSWORD),
        ],
    )
    .await;
    let confirm = link_in_last_email(&s, "confirm");
    s.send(get_request(&confirm, None)).await;

    let unknown = post_form(&s, "/forgot", &[("email", "nobody@example.com")]).await;
    assert_eq!(unknown.status, StatusCode::OK);
    assert_eq!(s.emails().len(), 1, "no email for an unknown account");
    let asked = post_form(&s, "/forgot", &[("email", "anna@example.com")]).await;
    assert_eq!(asked.status, StatusCode::OK);
    assert_eq!(s.emails().len(), 2);
    let link = link_in_last_email(&s, "reset");

    assert_eq!(
        s.send(get_request(&link, None)).await.status,
        StatusCode::OK,
        "the form"
    );
    let short = post_form(&s, &link, &[("password", "short")]).await;
    assert_eq!(
        short.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the link is not spent on a refusal"
    );
    let set = post_form(&s, &link, &[("password", "a brand new password")]).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    let reused = post_form(&s, &link, &[("password", "yet another password")]).await;
    assert_eq!(reused.status, StatusCode::NOT_FOUND, "once");
    assert_eq!(
        log_in(&s, "anna@example.com", PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        log_in(&s, "anna@example.com", "a brand new password").await,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn sign_up_is_not_there_unless_allowed() {
    let s = Server::new().await;
    assert_eq!(
        s.send(get_request("/signup", None)).await.status,
        StatusCode::NOT_FOUND
    );
    let reply = post_form(
        &s,
        "/signup",
        &[
            ("email", "new@example.com"),
            ("full_name", "Новый"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(s.emails().is_empty());
}

/// A server on an empty database, and the path of a setup link made as
/// `serve` makes it.
async fn server_with_setup_link() -> (Server, String) {
    let s = Server::new().await;
    let key = s.uses().accounts.setup_key().await.expect("made");
    let path = format!("/setup/{}", key.expect("no admin yet").expose());
    (s, path)
}

/// The fields of the setup form, with `again` as the repeated password.
fn first_admin(again: &str) -> [(&'static str, &str); 4] {
    [
        ("email", "anna@example.com"),
        ("full_name", "Анна Смирнова"),
        ("password", PASSWORD),
        ("password2", again),
    ]
}

#[tokio::test]
async fn the_setup_link_adds_the_first_admin_once_logs_them_in_and_then_opens_nothing() {
    let (s, path) = server_with_setup_link().await;
    let uses = s.uses();
    let page = s.send(get_request(&path, None)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("password2"), "the password asked twice");
    let stranger = format!("/setup/{}", postpilot_core::AccessKey::generate().expose());
    for wrong in [stranger.as_str(), "/setup/not-a-key"] {
        assert_eq!(
            s.send(get_request(wrong, None)).await.status,
            StatusCode::NOT_FOUND
        );
        let posted = post_form(&s, wrong, &first_admin(PASSWORD)).await;
        assert_eq!(posted.status, StatusCode::NOT_FOUND, "{wrong}");
    }

    let mismatch = post_form(&s, &path, &first_admin("another password")).await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        mismatch.text.contains("Пароли не совпадают"),
        "{}",
        mismatch.text
    );
    assert!(
        mismatch.text.contains("anna@example.com"),
        "the form keeps the email"
    );
    assert_eq!(
        uses.accounts.count().await.expect("count"),
        0,
        "nobody added"
    );

    let done = post_form(&s, &path, &first_admin(PASSWORD)).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    assert_eq!(done.header("location"), Some("/"));
    let cookie = done.header("set-cookie").expect("logged in");
    let cookie = cookie.split(';').next().expect("pair").to_owned();
    let users = s.send(get_request("/users", Some(&cookie))).await;
    assert_eq!(users.status, StatusCode::OK, "an admin's page");
    assert!(users.text.contains("anna@example.com") && users.text.contains("Администратор"));
    assert_eq!(
        log_in(&s, "anna@example.com", PASSWORD).await,
        StatusCode::SEE_OTHER
    );

    assert_eq!(
        s.send(get_request(&path, None)).await.status,
        StatusCode::NOT_FOUND
    );
    let again = post_form(&s, &path, &first_admin(PASSWORD)).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "spent");
    assert_eq!(uses.accounts.count().await.expect("count"), 1);
    assert!(
        uses.accounts.setup_key().await.expect("read").is_none(),
        "no new key once an admin exists"
    );
}

#[tokio::test]
async fn a_cross_site_post_of_the_setup_form_adds_nobody() {
    let (s, path) = server_with_setup_link().await;
    let uses = s.uses();
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(first_admin(PASSWORD))
        .finish();
    let reply = s
        .send(
            Request::post(&path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header("sec-fetch-site", "cross-site")
                .body(Body::from(body))
                .expect("request"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(uses.accounts.count().await.expect("count"), 0);
    let page = s.send(get_request(&path, None)).await;
    assert_eq!(page.status, StatusCode::OK, "the key is still live");
}
