//! `/login` (the form, or the login URL printed at start) and `/logout`.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use maud::html;

use super::layout::{Page, Section};
use super::{query_param, see_other};
use crate::auth::{cookie, expired_cookie, SESSION_COOKIE};
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
        return log_in(&app, client, &token);
    }
    let logged_in =
        cookie(&headers, SESSION_COOKIE).is_some_and(|id| app.sessions().get(id).is_some());
    if logged_in {
        return see_other("/");
    }
    form(StatusCode::OK, None)
}

/// `POST /login` with the form's `token`.
pub(crate) async fn submit<W: Wiring>(
    State(app): State<AppState<W>>,
    client: Client,
    PlainForm(form): PlainForm,
) -> Response {
    log_in(&app, client, form.get("token").unwrap_or_default())
}

/// `POST /logout`: ends the session.
pub(crate) async fn logout<W: Wiring>(
    State(app): State<AppState<W>>,
    CsrfForm { session, .. }: CsrfForm,
) -> Response {
    app.sessions().remove(&session.id);
    let mut response = see_other("/login");
    response
        .headers_mut()
        .insert(header::SET_COOKIE, expired_cookie());
    response
}

/// A fresh session for the right token (the redirect also drops the token
/// from the address bar); the form again, 401, for a wrong one; 429 with
/// `Retry-After`, whatever the token, for a client that has presented too
/// many wrong ones (see [`crate::limit`]).
fn log_in<W: Wiring>(app: &AppState<W>, client: Client, token: &str) -> Response {
    if let Err(wait) = app.limiter().check(client) {
        let secs = retry_after_secs(wait);
        tracing::warn!("login refused: too many wrong tokens from this client");
        let mut response = form(
            StatusCode::TOO_MANY_REQUESTS,
            Some(&format!(
                "Слишком много попыток с неверным токеном. Повторите через {secs} с."
            )),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        return response;
    }
    if !app.config().token.matches(token.trim()) {
        app.limiter().failed(client);
        tracing::warn!("login refused: wrong token");
        return form(
            StatusCode::UNAUTHORIZED,
            Some(
                "Неверный токен. Он напечатан при запуске сервера или задан в POSTPILOT_API_TOKEN.",
            ),
        );
    }
    let session = app.sessions().create();
    let mut response = see_other("/");
    response
        .headers_mut()
        .insert(header::SET_COOKIE, app.sessions().cookie(&session));
    tracing::info!("logged in");
    response
}

fn form(status: StatusCode, error: Option<&str>) -> Response {
    Page::new("Вход", Section::None, None)
        .status(status)
        .render(html! {
            div.narrow {
                h1 { "Вход" }
                p {
                    "Введите токен доступа. Его печатает "
                    code { "postpilot serve" }
                    " при запуске (вместе со ссылкой для входа), либо он задан переменной "
                    code { "POSTPILOT_API_TOKEN" } "."
                }
                form method="post" action="/login" {
                    div.field.invalid[error.is_some()] {
                        label for="token" { "Токен" }
                        input #token type="password" name="token" required autocomplete="current-password"
                            aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| "token-error")];
                        @if let Some(error) = error {
                            p.field-error #token-error { (error) }
                        }
                    }
                    button type="submit" { "Войти" }
                }
            }
        })
        .into_response()
}
