//! CSRF protection of the UI, in three layers:
//!
//! 1. the session cookie is `SameSite=Strict`, so a cross-site request does
//!    not carry it and lands on the login page;
//! 2. [`reject_cross_site`] refuses any state-changing request whose
//!    `Sec-Fetch-Site` or `Origin` says it came from another site;
//! 3. every form carries the session's secret token in a hidden field,
//!    which [`CsrfForm`] checks (constant time) before a handler runs.

use axum::body::Bytes;
use axum::extract::multipart::MultipartError;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use crate::auth::Session;
use crate::ui::UiError;

/// The hidden field every form carries.
pub(crate) const CSRF_FIELD: &str = "csrf";

/// A decoded `application/x-www-form-urlencoded` body; names may repeat
/// (checkboxes).
#[derive(Debug, Default, Clone)]
pub(crate) struct FormData(Vec<(String, String)>);

impl FormData {
    pub fn parse(body: &[u8]) -> Self {
        Self(form_urlencoded::parse(body).into_owned().collect())
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `name`, or "".
    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_owned()
    }

    /// Every value of `name`, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A form body, without any session (the login form).
#[derive(Debug)]
pub(crate) struct PlainForm(pub FormData);

impl<S: Send + Sync> FromRequest<S> for PlainForm {
    type Rejection = UiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, UiError> {
        read_form(request, state).await.map(Self)
    }
}

/// A form posted within a logged-in session whose CSRF token matched.
#[derive(Debug)]
pub(crate) struct CsrfForm {
    pub session: Session,
    pub form: FormData,
}

impl<S: Send + Sync> FromRequest<S> for CsrfForm {
    type Rejection = UiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, UiError> {
        let session = session_of(&request)?;
        let form = read_form(request, state).await?;
        check_token(&session, form.get(CSRF_FIELD))?;
        Ok(Self { session, form })
    }
}

/// The session of a form's request, if it has one.
fn session_of(request: &Request) -> Result<Session, UiError> {
    request
        .extensions()
        .get::<Session>()
        .cloned()
        .ok_or(UiError::Forbidden)
}

/// Refuses a form whose token is missing or not the session's (compared
/// in constant time).
fn check_token(session: &Session, token: Option<&str>) -> Result<(), UiError> {
    let matches =
        token.is_some_and(|token| bool::from(token.as_bytes().ct_eq(session.csrf.as_bytes())));
    if !matches {
        tracing::warn!("form refused: missing or wrong CSRF token");
        return Err(UiError::Forbidden);
    }
    Ok(())
}

/// A file posted as `multipart/form-data` within a logged-in session whose
/// CSRF token matched: the `file` field's bytes, whole (the body limit
/// bounds them).
#[derive(Debug)]
pub(crate) struct CsrfUpload {
    pub session: Session,
    pub file: Bytes,
}

impl<S: Send + Sync> FromRequest<S> for CsrfUpload {
    type Rejection = UiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, UiError> {
        let session = session_of(&request)?;
        let mut multipart = Multipart::from_request(request, state)
            .await
            .map_err(|_| UiError::UnsupportedMediaType)?;
        let too_large = |e: MultipartError| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                UiError::PayloadTooLarge
            } else {
                UiError::BadRequest
            }
        };
        let (mut token, mut file) = (None, Bytes::new());
        while let Some(field) = multipart.next_field().await.map_err(too_large)? {
            match field.name() {
                Some(CSRF_FIELD) => token = Some(field.text().await.map_err(too_large)?),
                Some("file") => file = field.bytes().await.map_err(too_large)?,
                _ => {}
            }
        }
        check_token(&session, token.as_deref())?;
        Ok(Self { session, file })
    }
}

async fn read_form<S: Send + Sync>(request: Request, state: &S) -> Result<FormData, UiError> {
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|m| m.trim() == "application/x-www-form-urlencoded")
        });
    if !is_form {
        return Err(UiError::UnsupportedMediaType);
    }
    let body = Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                UiError::PayloadTooLarge
            } else {
                UiError::BadRequest
            }
        })?;
    // Browsers send forms in the page's encoding, UTF-8; anything else was
    // not sent by our pages and would be stored garbled, so it is refused.
    if !is_utf8_form(&body) {
        tracing::warn!("form refused: not UTF-8");
        return Err(UiError::BadRequest);
    }
    Ok(FormData::parse(&body))
}

/// Whether every name and value of a form body decodes to UTF-8.
fn is_utf8_form(body: &[u8]) -> bool {
    body.split(|&b| b == b'&')
        .all(|pair| percent_encoding::percent_decode(pair).decode_utf8().is_ok())
}

/// Refuses a state-changing UI request that the browser says came from
/// another site, before any handler sees it.
pub(crate) async fn reject_cross_site(request: Request, next: Next) -> Response {
    if !request.method().is_safe() && is_cross_site(request.headers()) {
        tracing::warn!(method = %request.method(), path = request.uri().path(), "cross-site request refused");
        return UiError::Forbidden.into_response();
    }
    next.run(request).await
}

/// `Sec-Fetch-Site` decides when the browser sends it (pages cannot forge
/// it); older browsers are judged by `Origin`. A client that sends neither
/// (curl) is judged by the CSRF token alone.
fn is_cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return site != "same-origin" && site != "none";
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        let same = match (origin.to_str().ok(), host) {
            (Some(origin), Some(host)) => origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"))
                .is_some_and(|o| o == host),
            _ => false,
        };
        return !same;
    }
    false
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.insert(*name, HeaderValue::from_static(value));
        }
        h
    }

    #[test]
    fn requests_from_our_own_pages_are_same_site() {
        assert!(!is_cross_site(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
            ("sec-fetch-site", "same-origin"),
        ])));
        // A client that sends neither header (curl) is judged by the token alone.
        assert!(!is_cross_site(&headers(&[("host", "127.0.0.1:8080")])));
    }

    #[test]
    fn requests_from_another_site_are_cross_site() {
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(is_cross_site(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://evil.example"),
        ])));
        assert!(is_cross_site(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "null"),
        ])));
        assert!(is_cross_site(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
            ("sec-fetch-site", "cross-site"),
        ])));
    }

    #[test]
    fn form_bodies_that_are_not_utf8_are_told_apart() {
        assert!(is_utf8_form(b"name=%D0%98%D0%B2%D0%B0%D0%BD&x=+a%20b"));
        assert!(is_utf8_form(b""));
        assert!(!is_utf8_form(b"name=%FF"));
        assert!(!is_utf8_form(b"name=ok&%C3=x"));
        assert!(!is_utf8_form(b"name=\xff"));
    }

    #[test]
    fn form_data_keeps_repeated_names_in_order() {
        let form = FormData::parse(b"a=1&ids=3&ids=5&name=%D0%98%D0%B2%D0%B0%D0%BD+%3Cb%3E");
        assert_eq!(form.all("ids").collect::<Vec<_>>(), ["3", "5"]);
        assert_eq!(form.get("name"), Some("Иван <b>"));
        assert_eq!(form.text("missing"), "");
    }
}
