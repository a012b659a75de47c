//! The public one-click unsubscribe pages (RFC 8058), outside the login:
//! `GET /u/{token}` shows a confirmation page with a button (a link
//! scanner that follows the link unsubscribes no one); `POST /u/{token}`
//! unsubscribes at once, whatever the body (mail clients POST
//! `List-Unsubscribe=One-Click`; no CSRF token, since they cannot have
//! one), and is idempotent. A token not made with this database's secret,
//! or of a recipient deleted since, is a 404 that says nothing more. The
//! page shows at most this recipient's masked address. Every request counts
//! against its client's limit ([`LIMIT`]). See ARCHITECTURE.md,
//! "Unsubscribe and suppression".

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::html;
use postpilot_core::domain::RecipientId;
use postpilot_core::ports::{
    InstanceRepository, RecipientRepository, StoreError, SuppressionRepository,
};

use super::layout::{Page, Section};
use super::UiError;
use crate::limit::{retry_after_secs, Client, LoginLimit};
use crate::state::{AppState, Wiring};

/// Requests to the unsubscribe pages per client per minute: far above what
/// a person or a mail provider needs, far below guessing anything.
pub(crate) const LIMIT: LoginLimit = LoginLimit {
    max_failures: 30,
    window: std::time::Duration::from_secs(60),
};

pub(crate) fn routes<W: Wiring>() -> Router<AppState<W>> {
    Router::new().route("/u/{token}", get(confirm::<W>).post(unsubscribe::<W>))
}

/// The recipient the token names, after counting the request.
async fn recipient_of<W: Wiring>(
    state: &AppState<W>,
    client: Client,
    token: &str,
) -> Result<RecipientId, Response> {
    let limiter = state.unsubscribe_limiter();
    if let Err(wait) = limiter.check(&client) {
        return Err(too_many(retry_after_secs(wait)));
    }
    limiter.failed(&client);
    let secret = state
        .store()
        .unsubscribe_secret()
        .await
        .map_err(|e| internal(&e))?;
    secret
        .recipient_of(token)
        .ok_or_else(|| UiError::NotFound.into_response())
}

async fn confirm<W: Wiring>(
    State(state): State<AppState<W>>,
    client: Client,
    Path(token): Path<String>,
) -> Response {
    let id = match recipient_of(&state, client, &token).await {
        Ok(id) => id,
        Err(refused) => return refused,
    };
    let recipient = match state.store().get_recipient(id).await {
        Ok(r) => r,
        Err(e) => return store_error(&e),
    };
    let marks = match state.store().suppression(id).await {
        Ok(m) => m,
        Err(e) => return store_error(&e),
    };
    let masked = mask(recipient.email.as_str());
    let title = "Отписка от рассылки";
    Page::new(title, Section::None, None).render(html! {
        h1 { (title) }
        @if marks.unsubscribed_at.is_some() {
            p { "Адрес " strong { (masked) } " уже отписан: писем на него больше не будет." }
        } @else {
            p { "Больше не присылать письма на адрес " strong { (masked) } "?" }
            form method="post" {
                button type="submit" { "Отписаться" }
            }
        }
    })
}

async fn unsubscribe<W: Wiring>(
    State(state): State<AppState<W>>,
    client: Client,
    Path(token): Path<String>,
) -> Response {
    let id = match recipient_of(&state, client, &token).await {
        Ok(id) => id,
        Err(refused) => return refused,
    };
    if let Err(e) = state.store().unsubscribe(id, state.now()).await {
        return store_error(&e);
    }
    tracing::info!(recipient = %id, "unsubscribed");
    let title = "Вы отписались";
    Page::new(title, Section::None, None).render(html! {
        h1 { (title) }
        p { "Писем из этой рассылки на ваш адрес больше не будет." }
    })
}

/// `a***@example.com`: the first character of the local part, the domain.
fn mask(email: &str) -> String {
    match email.rsplit_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

fn store_error(e: &StoreError) -> Response {
    match e {
        // Deleted since the email went out: nothing to unsubscribe.
        StoreError::NotFound { .. } => UiError::NotFound.into_response(),
        other => internal(other),
    }
}

fn internal(e: &StoreError) -> Response {
    tracing::error!(error = %crate::error::with_causes(e), "unsubscribe request failed");
    UiError::Internal.into_response()
}

fn too_many(retry_after: u64) -> Response {
    let title = "Слишком много запросов";
    let mut response = Page::new(title, Section::None, None)
        .status(StatusCode::TOO_MANY_REQUESTS)
        .render(html! {
            h1 { (title) }
            p { "Попробуйте ещё раз через минуту." }
        });
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, retry_after.into());
    response
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn an_address_is_shown_masked() {
        assert_eq!(mask("anna@example.com"), "a***@example.com");
        assert_eq!(mask("я@пример.рф"), "я***@пример.рф");
        assert_eq!(mask("broken"), "***");
    }
}
