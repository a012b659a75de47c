//! Authentication (ARCHITECTURE.md, "HTTP"): one token. The API takes it as
//! `Authorization: Bearer`; the UI exchanges it at `/login` for a session
//! cookie (HttpOnly, SameSite=Strict) naming a server-side session that
//! holds the session's CSRF token.

use std::fmt;
use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use postpilot_core::{AccessKey, Actor, TokenId};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

mod sessions;

pub(crate) use sessions::Sessions;

use crate::error::ApiError;
use crate::limit::{retry_after_secs, Client};
use crate::state::{AppState, Wiring};

/// The name of the UI's session cookie.
pub(crate) const SESSION_COOKIE: &str = "postpilot_session";

/// The shared secret: a [`SecretString`], so its `Debug` never shows it, it
/// has no `Display` or `Serialize`, and its memory is zeroed when the last
/// copy is dropped. Reading it takes a visible [`ApiToken::expose`].
#[derive(Clone)]
pub struct ApiToken(Arc<SecretString>);

/// Compared in constant time, as every check of a presented token is.
impl PartialEq for ApiToken {
    fn eq(&self, other: &Self) -> bool {
        self.matches(other.expose())
    }
}

impl Eq for ApiToken {}

/// Why a configured token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the API token must be at least {min} characters long")]
    TooShort { min: usize },
    #[error("the API token may hold only printable ASCII characters without spaces")]
    BadCharacter,
}

impl ApiToken {
    /// Shortest token accepted from configuration.
    pub const MIN_LEN: usize = 16;

    /// A configured token.
    ///
    /// # Errors
    /// [`TokenError`] when it is shorter than [`ApiToken::MIN_LEN`] or holds
    /// characters that cannot travel in a header.
    pub fn new(token: impl Into<String>) -> Result<Self, TokenError> {
        let token = token.into();
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(TokenError::BadCharacter);
        }
        if token.len() < Self::MIN_LEN {
            return Err(TokenError::TooShort { min: Self::MIN_LEN });
        }
        Ok(Self(Arc::new(token.into())))
    }

    /// A fresh random token: 32 bytes from the OS generator, in hex.
    pub fn generate() -> Self {
        Self(Arc::new(random_hex().into()))
    }

    /// The token itself, to print the login URL once at start. Never log it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Whether `candidate` is the token, compared in constant time: the
    /// time taken depends on neither the token's bytes nor how many of
    /// them a guess gets right, nor on how long the token is (subtle's own
    /// slice comparison returns early on a length mismatch).
    pub(crate) fn matches(&self, candidate: &str) -> bool {
        let (token, candidate) = (self.expose().as_bytes(), candidate.as_bytes());
        let mut same = token.len().ct_eq(&candidate.len());
        for (i, byte) in token.iter().enumerate() {
            same &= byte.ct_eq(candidate.get(i).unwrap_or(&0));
        }
        same.into()
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiToken(<redacted>)")
    }
}

/// 32 random bytes as 64 hex digits.
pub(crate) fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks `Authorization: Bearer <token>` on every API request and puts
/// who presented it into the request as an [`Actor`]: the configured token
/// acts as the system (an admin), a user's API token as that user, unless
/// revoked or the user is blocked. A client that presented too many wrong
/// tokens is refused, whatever it presents now, until its window has
/// passed (see [`crate::limit`]).
pub(crate) async fn require_bearer<W: Wiring>(
    State(app): State<AppState<W>>,
    client: Client,
    mut request: Request,
    next: Next,
) -> Response {
    if let Err(wait) = app.limiter().check(&client) {
        let secs = retry_after_secs(wait);
        let mut response = ApiError::too_many_requests(secs).into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        return response;
    }
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned());
    let Some(token) = presented else {
        return ApiError::unauthorized().into_response();
    };
    let actor = if app.config().token.matches(&token) {
        Some((Actor::System, None))
    } else if let Some(key) = AccessKey::presented(&token) {
        match app.accounts().token_user(&key).await {
            Ok(found) => found.map(|(id, user)| (Actor::User(user), Some(ViaToken(id)))),
            Err(err) => return ApiError::from(err).into_response(),
        }
    } else {
        None
    };
    match actor {
        Some((actor, via)) => {
            request.extensions_mut().insert(actor);
            if let Some(via) = via {
                request.extensions_mut().insert(via);
            }
            next.run(request).await
        }
        None => {
            app.limiter().failed(&client);
            tracing::warn!("API request refused: wrong token");
            ApiError::unauthorized().into_response()
        }
    }
}

/// The user's API token a request came with, put into the request by
/// [`require_bearer`] beside its [`Actor`]; [`Acting`] scopes the request
/// to it, so a run launched records the token (ARCHITECTURE.md, "Users
/// and ownership"). Absent for a session and for the configured token.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ViaToken(pub TokenId);

/// A logged-in UI session, put into the request by [`require_session`].
#[derive(Clone)]
pub(crate) struct Session {
    /// The cookie's value: a user session's key, or the id of a session
    /// opened with the configured token.
    pub id: String,
    /// The secret every form of this session must carry back.
    pub csrf: String,
    /// Who is logged in.
    pub actor: Actor,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Session(<redacted>)")
    }
}

/// The `Set-Cookie` value that removes the session cookie.
pub(crate) fn expired_cookie() -> HeaderValue {
    HeaderValue::from_static("postpilot_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// The state with its use cases scoped to the request's [`Actor`] (and
/// [`ViaToken`]), which [`require_bearer`] or [`require_session`] put into the request: what
/// every handler behind them takes, so none can reach another user's data
/// (ARCHITECTURE.md, "Users and ownership").
pub(crate) struct Acting<W: Wiring>(pub AppState<W>);

impl<W: Wiring> FromRequestParts<AppState<W>> for Acting<W> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState<W>) -> Result<Self, Response> {
        let Some(actor) = parts.extensions.get::<Actor>().cloned() else {
            tracing::error!("a request reached a handler without an actor");
            return Err(ApiError::internal().into_response());
        };
        let via = parts.extensions.get::<ViaToken>().map(|via| via.0);
        state.acting(&actor, via).await.map(Self).map_err(|err| {
            tracing::error!(error = %crate::error::with_causes(&err), "scoping a request");
            ApiError::internal().into_response()
        })
    }
}

/// The live session a cookie names: one opened with the configured token
/// (in memory), else a user's (in the database), unless it has ended or
/// its user has been blocked since.
///
/// # Errors
/// Backend failures reading the database's sessions.
pub(crate) async fn session_of<W: Wiring>(
    app: &AppState<W>,
    id: &str,
) -> Result<Option<Session>, postpilot_core::Error> {
    if let Some(session) = app.sessions().get(id) {
        return Ok(Some(session));
    }
    let Some(key) = AccessKey::presented(id) else {
        return Ok(None);
    };
    let found = app.accounts().session(&key).await?;
    Ok(found.map(|(session, user)| Session {
        id: id.to_owned(),
        csrf: session.csrf,
        actor: Actor::User(user),
    }))
}

/// Lets a UI request through only with a live session (put into the
/// request's extensions, with its [`Actor`]); otherwise sends the browser
/// to `/login`.
pub(crate) async fn require_session<W: Wiring>(
    State(app): State<AppState<W>>,
    mut request: Request,
    next: Next,
) -> Response {
    let id = cookie(request.headers(), SESSION_COOKIE).map(str::to_owned);
    let session = match id {
        Some(id) => match session_of(&app, &id).await {
            Ok(session) => session,
            Err(err) => {
                tracing::error!(error = %crate::error::with_causes(&err), "reading a session");
                return crate::ui::UiError::Internal.into_response();
            }
        },
        None => None,
    };
    match session {
        Some(session) => {
            request.extensions_mut().insert(session.actor.clone());
            request.extensions_mut().insert(session);
            next.run(request).await
        }
        None => Redirect::to("/login").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn token_debug_never_shows_the_secret() {
        let token = ApiToken::new("correct-horse-battery-staple").expect("valid");
        assert_eq!(format!("{token:?}"), "ApiToken(<redacted>)");
        let generated = ApiToken::generate();
        let config = crate::HttpConfig::new(generated.clone());
        assert!(!format!("{config:?}").contains(generated.expose()));
    }

    #[test]
    fn short_or_spaced_tokens_are_refused() {
        assert_eq!(
            ApiToken::new("short"),
            Err(TokenError::TooShort { min: 16 })
        );
        assert_eq!(
            ApiToken::new("has a space in it somewhere"),
            Err(TokenError::BadCharacter)
        );
    }

    #[test]
    fn generated_tokens_are_long_and_distinct() {
        let (a, b) = (ApiToken::generate(), ApiToken::generate());
        assert_eq!(a.expose().len(), 64);
        assert_ne!(a, b);
        assert!(a.matches(a.expose()));
        assert!(!a.matches(b.expose()));
        assert!(!a.matches(""));
    }

    #[test]
    fn only_the_whole_token_matches() {
        let token = ApiToken::new("correct-horse-battery-staple").expect("valid");
        assert!(token.matches("correct-horse-battery-staple"));
        for wrong in [
            "correct-horse-battery-stapl",
            "correct-horse-battery-staple!",
            "correct-horse-battery-staple\0",
            "Correct-horse-battery-staple",
            "",
            "c",
        ] {
            assert!(!token.matches(wrong), "{wrong:?}");
        }
    }

    #[test]
    fn sessions_expire_and_can_be_removed() {
        let sessions = Sessions::new(Duration::from_secs(60));
        let s = sessions.create();
        assert_eq!(sessions.get(&s.id).map(|x| x.csrf), Some(s.csrf.clone()));
        sessions.remove(&s.id);
        assert!(sessions.get(&s.id).is_none());

        let expired = Sessions::new(Duration::ZERO);
        let s = expired.create();
        assert!(expired.get(&s.id).is_none());
    }

    #[test]
    fn cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; postpilot_session=abc; b=2"),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, "c"), None);
    }
}
