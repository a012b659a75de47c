//! `/login` and `/logout` (ARCHITECTURE.md, "Users and ownership"). A user
//! logs in with email and password; the configured token (the login URL
//! printed at start, or the form's token field) opens a session as the
//! system. Wrong tries are limited per client address and, for passwords,
//! per account too.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::TimeDelta;
use maud::html;
use postpilot_core::{AccessKey, EmailAddress};

use super::layout::{Page, Section};
use super::{query_param, see_other};
use crate::auth::{cookie, expired_cookie, session_of, Session, SESSION_COOKIE};
use crate::csrf::{CsrfForm, PlainForm};
use crate::limit::{retry_after_secs, Client};
use crate::state::{AppState, Wiring};

/// `GET /login`: with `?token=` (the login URL) logs in at once; otherwise
/// shows the form, or goes home when already logged in.
pub(crate) async fn page<W: Wiring>(
    State(app): State<AppState<W>>,
    client: Client,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    if let Some(token) = query_param(&uri, "token") {
        return with_token(&app, client, &token);
    }
    if let Some(id) = cookie(&headers, SESSION_COOKIE) {
        if matches!(session_of(&app, id).await, Ok(Some(_))) {
            return see_other("/");
        }
    }
    form(StatusCode::OK, None, "", app.config().allow_signup)
}

/// `POST /login`: `email` and `password`, or the configured `token`.
pub(crate) async fn submit<W: Wiring>(
    State(app): State<AppState<W>>,
    client: Client,
    PlainForm(form): PlainForm,
) -> Response {
    match form.get("email").filter(|e| !e.is_empty()) {
        Some(email) => {
            let email = email.to_owned();
            with_password(
                &app,
                client,
                &email,
                form.get("password").unwrap_or_default(),
            )
            .await
        }
        None => with_token(&app, client, form.get("token").unwrap_or_default()),
    }
}

/// `POST /logout`: ends the session.
pub(crate) async fn logout<W: Wiring>(
    State(app): State<AppState<W>>,
    CsrfForm { session, .. }: CsrfForm,
) -> Response {
    app.sessions().remove(&session.id);
    if let Some(key) = AccessKey::presented(&session.id) {
        if let Err(err) = app.accounts().log_out(&key).await {
            tracing::error!(error = %crate::error::with_causes(&err), "ending a session");
        }
    }
    let mut response = see_other("/login");
    response
        .headers_mut()
        .insert(header::SET_COOKIE, expired_cookie());
    response
}

/// 429 with `Retry-After` and the form again.
fn too_many(wait: std::time::Duration, email: &str, signup: bool) -> Response {
    let secs = retry_after_secs(wait);
    let mut response = form(
        StatusCode::TOO_MANY_REQUESTS,
        Some(&format!(
            "Слишком много попыток с неверными данными. Повторите через {secs} с."
        )),
        email,
        signup,
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    response
}

/// A session for the right email and password; the form again otherwise,
/// with the same words for an unknown email and a wrong password.
async fn with_password<W: Wiring>(
    app: &AppState<W>,
    client: Client,
    email: &str,
    password: &str,
) -> Response {
    let account =
        EmailAddress::parse(email.trim()).map_or_else(|_| email.to_lowercase(), |e| e.key());
    if let Err(wait) = app
        .limiter()
        .check(&client)
        .and_then(|()| app.account_limiter().check(&account))
    {
        tracing::warn!("login refused: too many failures from this client or for this account");
        return too_many(wait, email, app.config().allow_signup);
    }
    let ttl = TimeDelta::from_std(app.config().session_ttl).unwrap_or(TimeDelta::hours(12));
    match app.accounts().log_in(email.trim(), password, ttl).await {
        Ok(logged_in) => {
            tracing::info!(user = logged_in.user.id.get(), "logged in");
            home_with_session(app, logged_in)
        }
        Err(postpilot_core::Error::WrongCredentials) => {
            app.limiter().failed(&client);
            app.account_limiter().failed(&account);
            tracing::warn!("login refused: wrong email or password");
            form(
                StatusCode::UNAUTHORIZED,
                Some("Неверный email или пароль."),
                email,
                app.config().allow_signup,
            )
        }
        Err(postpilot_core::Error::AccountBlocked) => form(
            StatusCode::FORBIDDEN,
            Some("Учётная запись заблокирована. Обратитесь к администратору."),
            email,
            app.config().allow_signup,
        ),
        Err(postpilot_core::Error::AccountUnconfirmed) => form(
            StatusCode::FORBIDDEN,
            Some("Email не подтверждён: перейдите по ссылке из письма."),
            email,
            app.config().allow_signup,
        ),
        Err(err) => super::UiError::from(err).into_response(),
    }
}

/// Home, with the cookie of a session just started.
pub(super) fn home_with_session<W: Wiring>(
    app: &AppState<W>,
    logged_in: postpilot_core::usecases::LoggedIn,
) -> Response {
    let session = Session {
        id: logged_in.key.expose().to_owned(),
        csrf: logged_in.session.csrf,
        actor: postpilot_core::Actor::User(logged_in.user),
    };
    let mut response = see_other("/");
    response
        .headers_mut()
        .insert(header::SET_COOKIE, app.sessions().cookie(&session));
    response
}

/// A fresh session for the configured token (the redirect also drops the
/// token from the address bar); the form again, 401, for a wrong one.
fn with_token<W: Wiring>(app: &AppState<W>, client: Client, token: &str) -> Response {
    if let Err(wait) = app.limiter().check(&client) {
        tracing::warn!("login refused: too many wrong tokens from this client");
        return too_many(wait, "", app.config().allow_signup);
    }
    if !app.config().token.matches(token.trim()) {
        app.limiter().failed(&client);
        tracing::warn!("login refused: wrong token");
        return form(
            StatusCode::UNAUTHORIZED,
            Some(
                "Неверный токен. Он напечатан при запуске сервера или задан в POSTPILOT_API_TOKEN.",
            ),
            "",
            app.config().allow_signup,
        );
    }
    let session = app.sessions().create();
    let mut response = see_other("/");
    response
        .headers_mut()
        .insert(header::SET_COOKIE, app.sessions().cookie(&session));
    tracing::info!("logged in with the configured token");
    response
}

fn form(status: StatusCode, error: Option<&str>, email: &str, signup: bool) -> Response {
    Page::new("Вход", Section::None, None)
        .status(status)
        .render(html! {
            div.narrow {
                h1 { "Вход" }
                @if let Some(error) = error {
                    p.field-error #login-error role="alert" { (error) }
                }
                form method="post" action="/login" {
                    div.field {
                        label for="email" { "Email" }
                        input #email type="email" name="email" value=(email) autocomplete="username"
                            aria-describedby=[error.map(|_| "login-error")];
                    }
                    div.field {
                        label for="password" { "Пароль" }
                        input #password type="password" name="password" autocomplete="current-password";
                    }
                    button type="submit" { "Войти" }
                }
                p { a href="/forgot" { "Забыли пароль?" } @if signup { " · " a href="/signup" { "Регистрация" } } }
                details {
                    summary { "Войти по токену доступа" }
                    p {
                        "Токен печатает "
                        code { "postpilot serve" }
                        " при запуске (вместе со ссылкой для входа), либо он задан переменной "
                        code { "POSTPILOT_API_TOKEN" } "."
                    }
                    form method="post" action="/login" {
                        div.field {
                            label for="token" { "Токен" }
                            input #token type="password" name="token" required autocomplete="off";
                        }
                        button type="submit" { "Войти по токену" }
                    }
                }
            }
        })
        .into_response()
}
