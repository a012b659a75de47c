//! The web UI in Russian (ARCHITECTURE.md, "HTTP"): server-rendered with maud (compile-time
//! checked, every interpolation HTML-escaped), no JavaScript, readable on a
//! phone. Every page but `/login` needs a session; every form carries the
//! session's CSRF token.

mod account;
mod attempts;
mod csv;
mod form;
mod format;
mod home;
mod layout;
mod listing;
mod lists;
mod login;
mod mailing_recipients;
mod mailings;
mod members;
mod messages;
mod preview;
mod recipients;
mod reply;
mod resource;
mod run;
mod send;
mod setup;
mod suppressed;
mod unsubscribe;
mod users;

pub(crate) use unsubscribe::{routes as public_routes, LIMIT as UNSUBSCRIBE_LIMIT};

use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode, Uri};
use axum::middleware::{from_fn, from_fn_with_state, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::html;
use postpilot_core::ports::StoreError;

use crate::auth;
use crate::csrf;
use crate::state::{AppState, Wiring};
use layout::{Notice, Page, Section};

/// Rows per page of a list.
const PER_PAGE: u64 = 50;

pub(crate) fn routes<W: Wiring>(state: AppState<W>) -> Router<AppState<W>> {
    let private = Router::new()
        .route("/", get(home::show::<W>))
        .merge(recipients::routes())
        .merge(suppressed::routes())
        .merge(messages::routes())
        .merge(preview::routes())
        .merge(mailings::routes())
        .merge(mailing_recipients::routes())
        .merge(lists::routes())
        .merge(csv::routes())
        .merge(users::routes())
        .route("/logout", post(login::logout::<W>))
        .route_layer(from_fn_with_state(state, auth::require_session::<W>));
    Router::new()
        .merge(private)
        .route("/login", get(login::page::<W>).post(login::submit::<W>))
        .merge(account::routes())
        .merge(setup::routes())
        .route("/static/style.css", get(layout::stylesheet))
        .layer(from_fn(csrf::reject_cross_site))
}

/// Why a page could not be shown; each is a page of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UiError {
    BadRequest,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    PayloadTooLarge,
    UnsupportedMediaType,
    Internal,
}

impl From<postpilot_core::Error> for UiError {
    fn from(err: postpilot_core::Error) -> Self {
        match err {
            postpilot_core::Error::Store(StoreError::NotFound { .. }) => Self::NotFound,
            // What a role may not do is not found, as another user's data
            // is (ARCHITECTURE.md, "Users and ownership").
            postpilot_core::Error::Forbidden { .. } => Self::NotFound,
            other => {
                tracing::error!(error = %crate::error::with_causes(&other), "UI request failed");
                Self::Internal
            }
        }
    }
}

impl IntoResponse for UiError {
    /// The page without the menu (no session is known here); it is marked
    /// so that [`error_pages`] can show it again with the menu.
    fn into_response(self) -> Response {
        let mut response = self.page(None);
        response.extensions_mut().insert(self);
        response
    }
}

impl UiError {
    /// The page, with the menu when `session` is a logged-in one.
    fn page(self, session: Option<&auth::Session>) -> Response {
        let (status, title, text) = match self {
            Self::BadRequest => (
                StatusCode::BAD_REQUEST,
                "Неверный запрос",
                "Запрос не удалось прочитать.",
            ),
            Self::Forbidden => (
                StatusCode::FORBIDDEN,
                "Запрос отклонён",
                "Форма устарела или отправлена с другого сайта. Ничего не изменено: откройте страницу заново и повторите.",
            ),
            Self::NotFound => (
                StatusCode::NOT_FOUND,
                "Не найдено",
                "Такой страницы нет: возможно, запись удалена или адрес набран с ошибкой.",
            ),
            Self::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "Так эту страницу не открыть",
                "По этому адресу только отправляют форму. Откройте нужную страницу из меню.",
            ),
            Self::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Слишком большой запрос",
                "Данные формы больше, чем сервер принимает.",
            ),
            Self::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Неверный формат",
                "Ожидалась отправка обычной HTML-формы.",
            ),
            Self::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Ошибка сервера",
                "Что-то пошло не так. Подробности — в журнале сервера.",
            ),
        };
        Page::new(title, Section::None, session)
            .status(status)
            .render(html! {
                h1 { (title) }
                p { (text) }
                p { a href="/" { "На главную" } }
            })
    }
}

/// The HTML 404 of every unknown path outside the API.
pub(crate) async fn not_found() -> Response {
    UiError::NotFound.into_response()
}

/// Outside the API, shows every error page with the menu of the session
/// that asked (when there is one), and gives axum's bare `405` (a path
/// known, the method not) its Russian page; the `Allow` header is kept.
pub(crate) async fn error_pages<W: Wiring>(
    State(app): State<AppState<W>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if path == "/api" || path.starts_with("/api/") {
        return next.run(request).await;
    }
    let session = match auth::cookie(request.headers(), auth::SESSION_COOKIE) {
        Some(id) => auth::session_of(&app, id).await.ok().flatten(),
        None => None,
    };
    let response = next.run(request).await;
    let error = match response.extensions().get::<UiError>() {
        Some(error) => *error,
        None if response.status() == StatusCode::METHOD_NOT_ALLOWED => UiError::MethodNotAllowed,
        None => return response,
    };
    if session.is_none() && error != UiError::MethodNotAllowed {
        return response;
    }
    let mut page = error.page(session.as_ref());
    if let Some(allow) = response.headers().get(header::ALLOW) {
        page.headers_mut().insert(header::ALLOW, allow.clone());
    }
    page
}

/// A `303 See Other` to `to`: the answer to every successful form.
pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// [`see_other`] to `to`, which then shows `notice` once.
pub(crate) fn see_other_with(to: &str, notice: Notice) -> Response {
    see_other(&format!("{to}?notice={}", notice.code()))
}

/// The first value of `name` in the query of `uri`.
pub(crate) fn query_param(uri: &Uri, name: &str) -> Option<String> {
    form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.into_owned())
}

/// The 1-based page number in `?page=`, 1 when absent or bad.
pub(crate) fn page_number(uri: &Uri) -> u64 {
    query_param(uri, "page")
        .and_then(|p| p.parse::<u64>().ok())
        .filter(|p| (1..=1_000_000).contains(p))
        .unwrap_or(1)
}

/// The slice of a list shown on page `number`.
pub(crate) fn page_slice(number: u64) -> postpilot_core::Page {
    postpilot_core::Page::new((number - 1) * PER_PAGE, PER_PAGE)
}

/// An id in a UI path (see [`crate::api::extract::parse_id`]); anything
/// else is a missing page.
pub(crate) fn parse_id(raw: &str) -> Result<i64, UiError> {
    crate::api::extract::parse_id(raw).ok_or(UiError::NotFound)
}

/// The `{id}` of a UI path as it was written; a segment that is not even
/// text (`%FF`) is a missing page too, not axum's plain-text 400.
#[derive(Debug)]
pub(crate) struct IdPath(pub String);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = UiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, UiError> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| Self(id))
            .map_err(|_| UiError::NotFound)
    }
}
