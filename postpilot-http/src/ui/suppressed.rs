//! Отписавшиеся и недоставляемые: the recipients later runs skip (they
//! unsubscribed, or their address was refused for good at RCPT), with when
//! and the server's reply; a button (with the session's CSRF token) sends
//! to one of them again.

use axum::http::Uri;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Router};
use maud::{html, Markup};
use postpilot_core::ports::SuppressionRepository;
use postpilot_core::{RecipientId, SendRun};

use super::form::csrf_field;
use super::format::{clip, count, when};
use super::layout::{table, Page, Section};
use super::{page_number, page_slice, parse_id, see_other, IdPath, UiError};
use crate::auth::{Acting, Session};
use crate::csrf::CsrfForm;
use crate::state::{AppState, Wiring};

pub(crate) const PATH: &str = "/recipients/suppressed";

pub(crate) fn routes<W: Wiring>() -> Router<AppState<W>> {
    Router::new()
        .route(PATH, get(list::<W>))
        .route("/recipients/{id}/resubscribe", post(resubscribe::<W>))
}

/// Whom a run's launch left out, and why, linking to the list; nothing
/// when no one was.
pub(super) fn skipped(run: &SendRun) -> Markup {
    if run.skipped_unsubscribed == 0 && run.skipped_bounced == 0 {
        return html! {};
    }
    html! {
        div.skipped {
            a href=(PATH) {
                "Пропущено: " (count(run.skipped_unsubscribed, ["отписавшийся", "отписавшихся", "отписавшихся"]))
                ", " (count(run.skipped_bounced, ["недоставляемый адрес", "недоставляемых адреса", "недоставляемых адресов"]))
            }
        }
    }
}

async fn list<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(session): Extension<Session>,
    uri: Uri,
) -> Result<Response, UiError> {
    let number = page_number(&uri);
    let tz = app.zone();
    let rows = app
        .store()
        .suppressed(page_slice(number))
        .await
        .map_err(postpilot_core::Error::from)?;
    let title = "Отписавшиеся и недоставляемые";
    Ok(
        Page::new(title, Section::Recipients, Some(&session)).render(html! {
            h1 { (title) }
            p { "Этим получателям рассылки больше не отправляются: они отписались по ссылке из письма или сервер получателя отверг их адрес как несуществующий." }
            @if rows.is_empty() {
                p { "Таких получателей нет." }
            } @else {
                (table(&["№", "Ф. И. О.", "Email", "Отписался", "Адрес отвергнут", "Действия"], &rows, |(r, marks)| html! {
                    tr {
                        td { (r.id) }
                        td { (r.full_name) }
                        td { (r.email) }
                        td { @if let Some(at) = marks.unsubscribed_at { (when(at, tz)) } @else { "—" } }
                        td {
                            @if let Some(at) = marks.bounced_at {
                                (when(at, tz))
                                @if let Some(reply) = &marks.bounce_reply { br; small { (clip(reply, 80)) } }
                            } @else { "—" }
                        }
                        td {
                            form method="post" action=(format!("/recipients/{}/resubscribe", r.id)) {
                                (csrf_field(&session.csrf))
                                button type="submit" { "Снова отправлять" }
                            }
                        }
                    }
                }))
            }
            p { a href="/recipients" { "← Все получатели" } }
        }),
    )
}

async fn resubscribe<W: Wiring>(
    Acting(app): Acting<W>,
    IdPath(id): IdPath,
    CsrfForm { .. }: CsrfForm,
) -> Result<Response, UiError> {
    let id = RecipientId(parse_id(&id)?);
    app.store()
        .resubscribe(id)
        .await
        .map_err(postpilot_core::Error::from)?;
    tracing::info!(recipient = %id, "resubscribed");
    Ok(see_other(PATH))
}
