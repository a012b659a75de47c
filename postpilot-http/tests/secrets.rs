//! The API token never shows: not in the `Debug` of the configuration or
//! the state, not in an error, not echoed in any answer to a wrong guess.

mod support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use postpilot_http::{ApiToken, HttpConfig, TokenError};
use support::{Server, TOKEN};

#[tokio::test]
async fn debug_of_the_token_the_config_and_the_state_never_shows_the_token() {
    let s = Server::new().await;
    let token = ApiToken::new(TOKEN).expect("valid");
    for shown in [
        format!("{token:?}"),
        format!("{:?}", HttpConfig::new(token.clone())),
        format!("{:#?}", HttpConfig::new(token.clone())),
        format!("{:?}", s.state),
        format!("{:#?}", s.state),
    ] {
        assert!(!shown.contains(TOKEN), "{shown}");
        assert!(shown.contains("redacted"), "{shown}");
    }
}

#[test]
fn a_refused_token_is_not_repeated_in_the_error() {
    for (token, expected) in [
        ("short-SECRET", TokenError::TooShort { min: 16 }),
        ("with a space SECRET-0123456789", TokenError::BadCharacter),
        ("ünïcode-SECRET-0123456789", TokenError::BadCharacter),
    ] {
        let err = ApiToken::new(token).expect_err(token);
        assert_eq!(err, expected);
        assert!(!err.to_string().contains("SECRET"), "{err}");
        assert!(!format!("{err:?}").contains("SECRET"), "{err:?}");
    }
}

#[tokio::test]
async fn answers_to_wrong_tokens_never_echo_them() {
    let s = Server::new().await;
    let guess = "guess-SECRET-0123456789";
    let api = s
        .send(
            Request::get("/api/v1/stats")
                .header(header::AUTHORIZATION, format!("Bearer {guess}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    let form = s
        .send(
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("token={guess}")))
                .expect("request"),
        )
        .await;
    let url = s
        .send(
            Request::get(format!("/login?token={guess}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    for reply in [&api, &form, &url] {
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert!(!reply.text.contains(guess), "{}", reply.text);
        assert!(!format!("{:?}", reply.headers).contains(guess));
    }
}
